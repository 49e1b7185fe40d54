/**
 * Map papers and clusters onto the taxonomy by dataless classification: the
 * taxonomy's own text is the only supervision.
 *
 * 1. Seeds. Each leaf's text (label, keywords, description, examples, parent's
 *    label) as a TF-IDF vector; a paper's cosines to the leaves, through a
 *    softmax, give a first posterior that assumes every leaf equally common.
 * 2. Word models. Naive Bayes word distributions per leaf, learned from those
 *    soft labels and shrunk towards the leaf's parent and the corpus: they pick up
 *    the words that go with a leaf's own, and score a paper by all of its words.
 *    A second round learns them again from the full posteriors.
 * 3. Proportions. EM over cosine centroids estimates how common each leaf is in
 *    this dump (see `estimateProportions`).
 * 4. Context. A paper's posterior (word models × proportions) is mixed with the
 *    mean posterior of its k-means cluster.
 *
 * Why two models: on the 40,000-paper arXiv dev set (bench/quality.ts) the word
 * models rank papers better than the centroids (mean average precision per
 * category 0.25 against 0.21), but the class priors they imply put only 15% of
 * the papers in cs.CV (truth: 47%), while the centroid EM puts 36–50% there.
 * Word models alone: accuracy 0.22; centroid EM alone: 0.64 with macro-F1 0.21;
 * both: 0.70 with macro-F1 0.31. `evidenceScale` and `priorWeight` trade
 * accuracy for small-category recall (macro-F1).
 */
import type { ClusterMapping, PaperAssignment, Taxonomy, TaxonomyNode, TopicScore } from "./domain.ts"
import { UNASSIGNED } from "./domain.ts"
import { argmaxRow, estimateProportions, scoreRows, softmaxRows, unitColumns, wordModels } from "./dataless.ts"
import { leavesOf } from "./taxonomy.ts"
import { contentRuns, stem } from "./text.ts"
import { evenlySpacedRows, type SparseRows, subsetRows, type TfidfModel, transformText } from "./vectorize.ts"

export interface MapOptions {
  /** Softmax temperature over cosine similarities (seed posteriors and the proportion EM). */
  readonly temperature: number
  /** EM rounds that estimate the leaves' proportions (0 = uniform). */
  readonly rounds: number
  /** Weight of a leaf's own text when its centroid is re-estimated from papers. */
  readonly seedWeight: number
  /** Share of a leaf's papers, most confident first, that re-estimate its centroid. */
  readonly confidentShare: number
  /** Weight of a leaf's own text in its word model, in papers' worth. */
  readonly seedPapers: number
  /** Word model mixture: the leaf's own words, its parent's, the corpus's. */
  readonly shrinkage: readonly [number, number, number]
  /** Rounds of word models: the first learns from the seed posteriors, later ones from the full posteriors. */
  readonly wordRounds: number
  /** Scale of the word-model log likelihoods: naive Bayes counts every word as independent evidence, which overstates it. */
  readonly evidenceScale: number
  /** Power of the learned proportions in the posterior: 1 = Bayes, lower favours small leaves. */
  readonly priorWeight: number
  /** Weight of the cluster's mean posterior in a paper's final scores. */
  readonly clusterWeight: number
  /** Papers whose best cosine to every leaf's own text is below this, and whose best score is below 0.5, fit nothing. */
  readonly minSimilarity: number
  /** A cluster maps to its best node only when that node's mean score reaches this. */
  readonly clusterThreshold: number
  /** Secondary topics need at least this score. */
  readonly secondaryMin: number
  /** Terms kept per leaf centroid in the proportion EM (its heaviest). */
  readonly centroidTerms: number
  /** Papers (evenly spread over the dump) that the proportions and word models are learned from. */
  readonly trainingPapers: number
}

export const DEFAULT_MAP: MapOptions = {
  temperature: 0.03,
  rounds: 5,
  seedWeight: 0.3,
  confidentShare: 0.5,
  seedPapers: 20,
  shrinkage: [0.6, 0.25, 0.15],
  wordRounds: 2,
  evidenceScale: 0.9,
  priorWeight: 1,
  clusterWeight: 0.2,
  minSimilarity: 0.02,
  clusterThreshold: 0.35,
  secondaryMin: 0.1,
  centroidTerms: 1_000,
  trainingPapers: 50_000
}

/** The words that make up a node, weighted: the label and keywords say most. */
export const nodeText = (node: TaxonomyNode, parent: TaxonomyNode | undefined) => [
  { text: node.label, weight: 3 },
  ...node.keywords.map((keyword) => ({ text: keyword, weight: 2 })),
  { text: node.description, weight: 1 },
  ...node.examples.map((example) => ({ text: example, weight: 2 })),
  ...(parent ? [{ text: parent.label, weight: 1 }] : [])
]

export interface MappingInput {
  readonly matrix: SparseRows
  readonly model: TfidfModel
  readonly taxonomy: Taxonomy
  readonly clusterLabels: Int32Array
  readonly clusterCount: number
}

export interface Mapping {
  readonly papers: ReadonlyArray<PaperAssignment>
  readonly clusters: ReadonlyArray<ClusterMapping>
  /** Per cluster, the score of every leaf (for suggestions: the nearest node of an unmapped cluster). */
  readonly clusterLeafScores: ReadonlyArray<Float64Array>
  readonly leaves: ReadonlyArray<TaxonomyNode>
}

/** Each leaf's own text as a unit TF-IDF vector, term-major (cols × leaves). */
export const leafSeeds = (model: TfidfModel, taxonomy: Taxonomy, leaves: ReadonlyArray<TaxonomyNode>): Float32Array => {
  const byId = new Map(taxonomy.nodes.map((node) => [node.id, node]))
  const L = leaves.length
  const seeds = new Float32Array(model.vocabulary.length * L)
  leaves.forEach((leaf, l) => {
    const vector = transformText(model, nodeText(leaf, leaf.parentId ? byId.get(leaf.parentId) : undefined))
    for (let p = 0; p < vector.indices.length; p++) seeds[vector.indices[p] * L + l] = vector.values[p]
  })
  return unitColumns(seeds, L)
}

/** The rows `rows` of a rows × K score array. */
const gatherRows = (scores: Float32Array, K: number, rows: Int32Array): Float32Array => {
  const out = new Float32Array(rows.length * K)
  rows.forEach((row, i) => out.set(scores.subarray(row * K, (row + 1) * K), i * K))
  return out
}

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

export const mapToTaxonomy = (input: MappingInput, options: MapOptions = DEFAULT_MAP): Mapping => {
  const { clusterCount, clusterLabels, matrix, model, taxonomy } = input
  const leaves = leavesOf(taxonomy)
  const L = leaves.length
  const rows = matrix.rows
  const parentIds = [...new Set(leaves.flatMap((leaf) => (leaf.parentId ? [leaf.parentId] : [])))]
  const parentOf = Int32Array.from(leaves, (leaf) => (leaf.parentId ? parentIds.indexOf(leaf.parentId) : -1))
  const wordOptions = { seedPapers: options.seedPapers, shrinkage: options.shrinkage }

  const seeds = leafSeeds(model, taxonomy, leaves)
  const seedSimilarity = scoreRows(matrix, seeds, L)
  const bestSeed = new Float32Array(rows)
  for (let r = 0; r < rows; r++) bestSeed[r] = seedSimilarity[argmaxRow(seedSimilarity, r * L, L) + r * L]
  // Above `trainingPapers`, the proportions and word models are learned on an even spread of the
  // papers, and only the final scoring pass is per paper: a million-paper dump costs one more pass,
  // not eight. (Measured on the 40,000-paper dev set: learning from 20,000 of them costs 0.025
  // accuracy, so dumps of the dev set's size learn from every paper.)
  const trainingRows = evenlySpacedRows(rows, options.trainingPapers)
  const training = trainingRows.length === rows ? matrix : subsetRows(matrix, trainingRows)
  const trainingSimilarity = trainingRows.length === rows ? seedSimilarity : gatherRows(seedSimilarity, L, trainingRows)
  let logWords = wordModels(training, softmaxRows(trainingSimilarity, L, 1 / options.temperature), seeds, parentOf, wordOptions)
  const logPrior = estimateProportions(training, seeds, trainingSimilarity, L, options).map((value) => options.priorWeight * value)
  // Later rounds learn the word models from the posteriors that include the proportions.
  for (let round = 1; round < options.wordRounds; round++) {
    logWords = wordModels(training, softmaxRows(scoreRows(training, logWords, L), L, options.evidenceScale, logPrior), seeds, parentOf, wordOptions)
  }
  const posterior = softmaxRows(scoreRows(matrix, logWords, L), L, options.evidenceScale, logPrior)

  const distributions = clusterDistributions(posterior, clusterLabels, clusterCount, L)
  const clusters: Array<ClusterMapping> = distributions.map((distribution, clusterId) => {
    const best = argmaxRow(distribution, 0, L)
    const score = distribution[best]
    return { clusterId, nodeId: score >= options.clusterThreshold ? leaves[best].id : null, score: round4(score), nearestNodeId: leaves[best].id }
  })

  const papers: Array<PaperAssignment> = []
  const final = new Float64Array(L)
  const order = Array.from({ length: L }, (_, l) => l)
  for (let r = 0; r < rows; r++) {
    const cluster = distributions[clusterLabels[r]]
    for (let l = 0; l < L; l++) final[l] = (1 - options.clusterWeight) * posterior[r * L + l] + options.clusterWeight * cluster[l]
    order.sort((a, b) => final[b] - final[a] || a - b)
    // Unassigned: the paper's words barely touch any leaf's own text, and the word models
    // learned from the dump are no better than a coin flip about it either.
    if (bestSeed[r] < options.minSimilarity && final[order[0]] < 0.5) {
      papers.push({ paperIndex: r, topics: [{ nodeId: UNASSIGNED, score: 0, evidence: [] }] })
      continue
    }
    const topics: Array<TopicScore> = [{ nodeId: leaves[order[0]].id, score: round4(final[order[0]]), evidence: [] }]
    for (const l of order.slice(1, 3)) {
      if (final[l] >= options.secondaryMin) topics.push({ nodeId: leaves[l].id, score: round4(final[l]), evidence: [] })
    }
    papers.push({ paperIndex: r, topics })
  }
  return { papers, clusters, clusterLeafScores: distributions, leaves }
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000

export interface TermOccurrence {
  readonly term: string
  readonly surface: string
  readonly boost: number
}

/**
 * The stemmed unigrams and bigrams of a paper that some of `nodes` use, with the words the
 * paper used and their weight (title ×2, bigram ×1.5). Computed once per paper and shared by
 * the evidence of all its topics; terms no node uses are never listed, and a bigram is only
 * spelled out when its first stem starts one of the nodes' bigrams.
 */
export const termOccurrences = (title: string, abstract: string, nodes: ReadonlyArray<NodeTerms>): ReadonlyArray<TermOccurrence> => {
  const list: Array<TermOccurrence> = []
  const used = (term: string) => nodes.some((node) => node.weights.has(term))
  for (const [text, boost] of [[title, 2], [abstract, 1]] as const) {
    for (const run of contentRuns(text)) {
      for (let i = 0; i < run.length; i++) {
        const unigram = stem(run[i])
        if (used(unigram)) list.push({ term: unigram, surface: run[i], boost })
        if (i + 1 < run.length && nodes.some((node) => node.bigramStarts.has(unigram))) {
          const bigram = `${unigram} ${stem(run[i + 1])}`
          if (used(bigram)) list.push({ term: bigram, surface: `${run[i]} ${run[i + 1]}`, boost: boost * 1.5 })
        }
      }
    }
  }
  return list
}

/**
 * Evidence for one paper and node: the paper's terms that the node's own text
 * shares, strongest first, in the words the paper used ("diffusion models").
 */
export const evidenceFor = (
  occurrences: ReadonlyArray<TermOccurrence>,
  nodeTerms: ReadonlyMap<string, number>,
  limit = 6
): Array<string> => {
  const surfaceOf = new Map<string, string>()
  const weight = new Map<string, number>()
  for (const { boost, surface, term } of occurrences) {
    const nodeWeight = nodeTerms.get(term)
    if (nodeWeight === undefined) continue
    if (!surfaceOf.has(term)) surfaceOf.set(term, surface)
    weight.set(term, (weight.get(term) ?? 0) + nodeWeight * boost)
  }
  const ranked = [...weight].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([term]) => term)
  // A bigram makes its own words redundant as evidence.
  const shown: Array<string> = []
  for (const term of ranked) {
    if (shown.length >= limit) break
    if (!term.includes(" ") && shown.some((other) => other.split(" ").includes(term))) continue
    shown.push(term)
  }
  return shown.map((term) => surfaceOf.get(term)!)
}

/** A node's terms with their weight in its own text vector, for evidence. */
export interface NodeTerms {
  readonly weights: ReadonlyMap<string, number>
  /** First stems of its bigrams ("diffus" of "diffus model"). */
  readonly bigramStarts: ReadonlySet<string>
}

export const nodeTerms = (weights: ReadonlyMap<string, number>): NodeTerms => ({
  weights,
  bigramStarts: new Set([...weights.keys()].filter((term) => term.includes(" ")).map((term) => term.slice(0, term.indexOf(" "))))
})

export const nodeTermWeights = (model: TfidfModel, node: TaxonomyNode, parent: TaxonomyNode | undefined): NodeTerms => {
  const vector = transformText(model, nodeText(node, parent))
  return nodeTerms(new Map(Array.from(vector.indices, (column, i) => [model.vocabulary[column], vector.values[i]])))
}
