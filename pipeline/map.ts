/**
 * Map papers and clusters onto the taxonomy. Dataless classification: each leaf
 * starts from its own text (label, keywords, description, examples, and its
 * parent's label), then a few EM rounds re-estimate every leaf's vector from the
 * papers that fit it most clearly and learn how common each leaf is. The paper's
 * k-means cluster adds context: papers of a cluster lean towards the leaves that
 * cluster as a whole fits. Scores are posterior probabilities in [0, 1].
 */
import type { ClusterMapping, PaperAssignment, Taxonomy, TaxonomyNode, TopicScore } from "./domain.ts"
import { UNASSIGNED } from "./domain.ts"
import { leavesOf } from "./taxonomy.ts"
import { contentRuns, stem } from "./text.ts"
import { dotDense, type SparseRows, type TfidfModel, toDense, transformText } from "./vectorize.ts"

export interface MapOptions {
  /** EM rounds after the first, text-only pass (0 = nearest node text only). */
  readonly rounds: number
  /** Weight of the node's own text when its vector is re-estimated from papers. */
  readonly seedWeight: number
  /** Share of a leaf's papers, most confident first, that re-estimate its vector. */
  readonly confidentShare: number
  /** Softmax temperature over cosine similarities: lower is more decisive. */
  readonly temperature: number
  /** Weight of the cluster's topic distribution in a paper's final scores. */
  readonly clusterWeight: number
  /** Papers whose best cosine to every leaf's own text is below this fit nothing. */
  readonly minSimilarity: number
  /** A cluster maps to its best node only when that node's mean score reaches this. */
  readonly clusterThreshold: number
  /** Secondary topics need at least this score. */
  readonly secondaryMin: number
  /** How much of the learned leaf priors to use (0 = uniform, 1 = full EM priors). */
  readonly priorPower: number
}

export const DEFAULT_MAP: MapOptions = {
  rounds: 5,
  seedWeight: 0.3,
  confidentShare: 0.5,
  temperature: 0.05,
  clusterWeight: 0.3,
  minSimilarity: 0.02,
  clusterThreshold: 0.35,
  secondaryMin: 0.1,
  priorPower: 1
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

const normalizeInPlace = (vector: Float32Array) => {
  let norm = 0
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i]
  norm = Math.sqrt(norm)
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm
}

/** Cosine of every paper with every leaf vector: rows × leaves. */
const similarities = (matrix: SparseRows, leafVectors: ReadonlyArray<Float32Array>): Float64Array => {
  const out = new Float64Array(matrix.rows * leafVectors.length)
  for (let r = 0; r < matrix.rows; r++) {
    for (let l = 0; l < leafVectors.length; l++) out[r * leafVectors.length + l] = dotDense(matrix, r, leafVectors[l])
  }
  return out
}

/** Posterior over leaves per paper: prior × exp(cosine / T), normalised. */
const posteriors = (similarity: Float64Array, rows: number, leaves: number, logPrior: Float64Array, temperature: number) => {
  const out = new Float64Array(rows * leaves)
  for (let r = 0; r < rows; r++) {
    let max = -Infinity
    for (let l = 0; l < leaves; l++) max = Math.max(max, similarity[r * leaves + l] / temperature + logPrior[l])
    let sum = 0
    for (let l = 0; l < leaves; l++) {
      const value = Math.exp(similarity[r * leaves + l] / temperature + logPrior[l] - max)
      out[r * leaves + l] = value
      sum += value
    }
    for (let l = 0; l < leaves; l++) out[r * leaves + l] /= sum
  }
  return out
}

const argmax = (values: Float64Array, offset: number, length: number): number => {
  let best = 0
  for (let i = 1; i < length; i++) if (values[offset + i] > values[offset + best]) best = i
  return best
}

/** Mean posterior of each cluster's papers over the leaves. */
const clusterDistributions = (posterior: Float64Array, labels: Int32Array, clusterCount: number, leaves: number) => {
  const sums = Array.from({ length: clusterCount }, () => new Float64Array(leaves))
  const sizes = new Int32Array(clusterCount)
  for (let r = 0; r < labels.length; r++) {
    sizes[labels[r]]++
    for (let l = 0; l < leaves; l++) sums[labels[r]][l] += posterior[r * leaves + l]
  }
  return sums.map((sum, c) => sum.map((value) => (sizes[c] > 0 ? value / sizes[c] : 0)))
}

export const mapToTaxonomy = (input: MappingInput, options: MapOptions = DEFAULT_MAP): Mapping => {
  const { clusterCount, clusterLabels, matrix, model, taxonomy } = input
  const byId = new Map(taxonomy.nodes.map((node) => [node.id, node]))
  const leaves = leavesOf(taxonomy)
  const L = leaves.length
  const rows = matrix.rows
  const seeds = leaves.map((leaf) =>
    toDense(transformText(model, nodeText(leaf, leaf.parentId ? byId.get(leaf.parentId) : undefined)), matrix.cols)
  )
  const seedSimilarity = similarities(matrix, seeds)
  let similarity = seedSimilarity
  let logPrior = new Float64Array(L).fill(-Math.log(L))
  let posterior = posteriors(similarity, rows, L, logPrior, options.temperature)

  for (let round = 0; round < options.rounds; round++) {
    // M-step: each leaf's vector from its most confident papers, anchored to its own text.
    const confident: Array<Array<{ row: number; p: number }>> = Array.from({ length: L }, () => [])
    const counts = new Float64Array(L)
    for (let r = 0; r < rows; r++) {
      const best = argmax(posterior, r * L, L)
      confident[best].push({ row: r, p: posterior[r * L + best] })
      for (let l = 0; l < L; l++) counts[l] += posterior[r * L + l]
    }
    const vectors = seeds.map((seed, l) => {
      const members = confident[l].sort((a, b) => b.p - a.p || a.row - b.row)
      const take = members.slice(0, Math.max(1, Math.ceil(members.length * options.confidentShare)))
      const centroid = new Float32Array(matrix.cols)
      if (members.length > 0) {
        for (const { p, row } of take) {
          for (let q = matrix.offsets[row]; q < matrix.offsets[row + 1]; q++) centroid[matrix.indices[q]] += p * matrix.values[q]
        }
        normalizeInPlace(centroid)
      }
      for (let i = 0; i < centroid.length; i++) centroid[i] = options.seedWeight * seed[i] + (1 - options.seedWeight) * centroid[i]
      normalizeInPlace(centroid)
      return centroid
    })
    // Priors: smoothed expected counts, so that no leaf's prior reaches zero.
    logPrior = counts.map((count) => options.priorPower * Math.log((count + 1) / (rows + L)))
    similarity = similarities(matrix, vectors)
    posterior = posteriors(similarity, rows, L, logPrior, options.temperature)
  }

  const distributions = clusterDistributions(posterior, clusterLabels, clusterCount, L)
  const clusters: Array<ClusterMapping> = distributions.map((distribution, clusterId) => {
    const best = argmax(distribution, 0, L)
    const score = distribution[best]
    return { clusterId, nodeId: score >= options.clusterThreshold ? leaves[best].id : null, score: round4(score), nearestNodeId: leaves[best].id }
  })

  const papers: Array<PaperAssignment> = []
  for (let r = 0; r < rows; r++) {
    const cluster = distributions[clusterLabels[r]]
    const final = new Float64Array(L)
    for (let l = 0; l < L; l++) final[l] = (1 - options.clusterWeight) * posterior[r * L + l] + options.clusterWeight * cluster[l]
    let bestSeed = 0
    for (let l = 0; l < L; l++) bestSeed = Math.max(bestSeed, seedSimilarity[r * L + l], similarity[r * L + l])
    if (bestSeed < options.minSimilarity) {
      papers.push({ paperIndex: r, topics: [{ nodeId: UNASSIGNED, score: 0, evidence: [] }] })
      continue
    }
    const order = Array.from({ length: L }, (_, l) => l).sort((a, b) => final[b] - final[a] || a - b)
    const topics: Array<TopicScore> = [{ nodeId: leaves[order[0]].id, score: round4(final[order[0]]), evidence: [] }]
    for (const l of order.slice(1, 3)) {
      if (final[l] >= options.secondaryMin) topics.push({ nodeId: leaves[l].id, score: round4(final[l]), evidence: [] })
    }
    papers.push({ paperIndex: r, topics: topics.map((topic) => ({ ...topic, evidence: [] })) })
  }
  return { papers, clusters, clusterLeafScores: distributions, leaves }
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000

/**
 * Evidence for one paper and node: the paper's terms that the node's own text
 * shares, strongest first, in the words the paper used ("diffusion models").
 */
export const evidenceFor = (
  title: string,
  abstract: string,
  nodeTerms: ReadonlyMap<string, number>,
  limit = 6
): Array<string> => {
  const surfaceOf = new Map<string, string>()
  const weight = new Map<string, number>()
  for (const [text, boost] of [[title, 2], [abstract, 1]] as const) {
    for (const run of contentRuns(text)) {
      for (let i = 0; i < run.length; i++) {
        const unigram = stem(run[i])
        const candidates: Array<[string, string]> = [[unigram, run[i]]]
        if (i + 1 < run.length) candidates.push([`${unigram} ${stem(run[i + 1])}`, `${run[i]} ${run[i + 1]}`])
        for (const [term, surface] of candidates) {
          const nodeWeight = nodeTerms.get(term)
          if (nodeWeight === undefined) continue
          if (!surfaceOf.has(term)) surfaceOf.set(term, surface)
          weight.set(term, (weight.get(term) ?? 0) + nodeWeight * boost * (term.includes(" ") ? 1.5 : 1))
        }
      }
    }
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
export const nodeTermWeights = (model: TfidfModel, node: TaxonomyNode, parent: TaxonomyNode | undefined): Map<string, number> => {
  const vector = transformText(model, nodeText(node, parent))
  return new Map(Array.from(vector.indices, (column, i) => [model.vocabulary[column], vector.values[i]]))
}
