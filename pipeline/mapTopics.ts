/**
 * The last step of a map (and of a remap's): from each paper's posterior over the leaves to its
 * topics, scores and evidence, and each cluster's node.
 */
import type { ClusterMapping, PaperAssignment, TopicScore, TaxonomyNode } from "./domain.ts"
import { UNASSIGNED } from "./domain.ts"
import { argmaxRow } from "./dataless.ts"
import { evidenceFor } from "./evidence.ts"
import type { LeafModels } from "./leafModels.ts"
import type { MapOptions, Mapping, MappingInput } from "./map.ts"
import { nodeVector } from "./nodeText.ts"
import { rowOf } from "./vectorize.ts"

/** Mean posterior of each cluster's papers over the leaves. */
const clusterDistributions = (posterior: Float32Array, labels: Int32Array, clusterCount: number, L: number) => {
  const sums = Array.from({ length: clusterCount }, () => new Float64Array(L))
  const sizes = new Int32Array(clusterCount)
  for (let r = 0; r < labels.length; r++) {
    sizes[labels[r]]++
    for (let l = 0; l < L; l++) sums[labels[r]][l] += posterior[r * L + l]
  }
  return sums.map((sum, c) => sum.map((value) => (sizes[c] > 0 ? value / sizes[c] : 0)))
}

/**
 * From each paper's posterior over the leaves to its topics with their evidence, and each
 * cluster's node. The evidence is found here, as each topic is made: added to a second set of
 * a million papers' topics, it cost that many objects again.
 */
export const finishMapping = (
  input: MappingInput,
  options: MapOptions,
  leaves: ReadonlyArray<TaxonomyNode>,
  posterior: Float32Array,
  bestSeed: Float32Array,
  model: LeafModels
): Mapping => {
  const { clusterCount, clusterLabels, matrix, taxonomy } = input
  const L = leaves.length
  const byId = new Map(taxonomy.nodes.map((node) => [node.id, node]))
  const leafVectors = leaves.map((leaf) => nodeVector(input.model, leaf, leaf.parentId ? byId.get(leaf.parentId) : undefined))
  const distributions = clusterDistributions(posterior, clusterLabels, clusterCount, L)
  const clusters: Array<ClusterMapping> = distributions.map((distribution, clusterId) => {
    const best = argmaxRow(distribution, 0, L)
    const score = distribution[best]
    return { clusterId, nodeId: score >= options.clusterThreshold ? leaves[best].id : null, score: round4(score), nearestNodeId: leaves[best].id }
  })

  const papers: Array<PaperAssignment> = []
  const final = new Float64Array(L)
  const order = new Int32Array(Math.min(3, L))
  for (let r = 0; r < bestSeed.length; r++) {
    const cluster = distributions[clusterLabels[r]]
    for (let l = 0; l < L; l++) final[l] = (1 - options.clusterWeight) * posterior[r * L + l] + options.clusterWeight * cluster[l]
    topIndices(final, order)
    // Unassigned: the paper's words barely touch any leaf's own text, and the word models
    // learned from the dump are no better than a coin flip about it either.
    if (bestSeed[r] < options.minSimilarity && final[order[0]] < 0.5) {
      papers.push({ paperIndex: r, topics: [{ nodeId: UNASSIGNED, score: 0, evidence: [] }] })
      continue
    }
    const row = rowOf(matrix, r)
    const topicOf = (l: number): TopicScore => ({ nodeId: leaves[l].id, score: round4(final[l]), evidence: evidenceFor(row, leafVectors[l], input.model) })
    const topics: Array<TopicScore> = [topicOf(order[0])]
    for (const l of order.slice(1, 3)) {
      if (final[l] >= options.secondaryMin) topics.push(topicOf(l))
    }
    papers.push({ paperIndex: r, topics })
  }
  return { papers, clusters, clusterLeafScores: distributions, leaves, model }
}

/** The indices of the `out.length` largest values, largest first (ties: lower index first), without sorting them all. */
const topIndices = (values: Float64Array, out: Int32Array) => {
  out.fill(-1)
  for (let i = 0; i < values.length; i++) {
    let slot = out.length
    while (slot > 0 && (out[slot - 1] < 0 || values[i] > values[out[slot - 1]])) slot--
    if (slot === out.length) continue
    out.copyWithin(slot + 1, slot, out.length - 1)
    out[slot] = i
  }
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000
