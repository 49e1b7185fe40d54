/**
 * A taxonomy node's own text, its parts weighted: what the map's seeds start from, and (as a
 * TF-IDF vector) what a paper's evidence for the node is matched against.
 */
import type { TaxonomyNode } from "./domain.ts"
import { type SparseVector, type TfidfModel, transformText } from "./vectorize.ts"

/** The words that make up a node, weighted: the label and keywords say most. */
export const nodeText = (node: TaxonomyNode, parent: TaxonomyNode | undefined) => [
  { text: node.label, weight: 3 },
  ...node.keywords.map((keyword) => ({ text: keyword, weight: 2 })),
  { text: node.description, weight: 1 },
  ...node.examples.map((example) => ({ text: example, weight: 2 })),
  ...(parent ? [{ text: parent.label, weight: 1 }] : [])
]

/** A node's own text in the model's space (columns ascending): what evidence is matched against. */
export const nodeVector = (model: TfidfModel, node: TaxonomyNode, parent: TaxonomyNode | undefined): SparseVector =>
  transformText(model, nodeText(node, parent))
