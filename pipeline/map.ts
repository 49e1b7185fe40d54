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
 * 4. Length. Naive Bayes evidence grows with a paper's length (the sum of its
 *    TF-IDF weights), so long abstracts got more confident posteriors than short
 *    ones on the same topic; each paper's log likelihoods are scaled to the
 *    evidence of an average paper (`lengthNorm`).
 * 5. Context. A paper's posterior (word models × proportions) is mixed with the
 *    mean posterior of its k-means cluster.
 *
 * Why two models: on the 40,000-paper arXiv dev set (bench/quality.ts) the word
 * models rank papers better than the centroids (mean average precision per
 * category 0.25 against 0.21), but the class priors they imply put only 15% of
 * the papers in cs.CV (truth: 47%), while the centroid EM puts 36–50% there.
 * Word models alone: accuracy 0.22; centroid EM alone: 0.64 with macro-F1 0.21;
 * both: 0.69 with macro-F1 0.316; with the length normalisation: accuracy 0.693,
 * lenient 0.785, macro-F1 0.330 (papers 0–9,999: macro-F1 0.368 → 0.379;
 * 30,000–39,999: 0.348 → 0.359, accuracy unchanged). `evidenceScale` and
 * `priorWeight` trade accuracy for small-category recall (macro-F1).
 *
 * Measured and not kept (dev set, macro-F1 against 0.330): complement naive
 * Bayes (0.036) and weight-normalised log ratios (0.294) (Rennie et al., 2003);
 * EM on the proportions with the word models fixed (Saerens et al., 2002: 0.294,
 * accuracy 0.64 — the word models' likelihoods are too miscalibrated for it),
 * also with winners counted (0.316); proportions per k-means cluster (0.28–0.30);
 * word models from each leaf's most confident winners only (0.25–0.29);
 * per-leaf standardised likelihoods (0.336, but lower on other slices);
 * group-then-leaf decisions (0.326). Even the true proportions give only
 * 0.324 without the length normalisation: what limits macro-F1 here is how well
 * the word models rank the small categories' papers (mean average precision 0.34).
 */
import type { ClusterMapping, PaperAssignment, Taxonomy, TaxonomyNode } from "./domain.ts"
import { argmaxRow, estimateProportions, softmaxRows, unitColumns, wordModels } from "./dataless.ts"
import type { Scoring } from "./rowScores.ts"
import { twoThreadScoring } from "./scoring.ts"
import { releaseHeapPages } from "./collectGarbage.ts"
import { leafFingerprint, type LeafModels } from "./leafModels.ts"
import { finishMapping } from "./mapTopics.ts"
import { nodeText } from "./nodeText.ts"
import { leavesOf } from "./taxonomy.ts"
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
  /**
   * Length normalisation of the log likelihoods: each paper's are scaled by (mean mass / its mass)^lengthNorm,
   * its mass being the sum of its TF-IDF weights. 0 = none; 1 = every paper weighs as much evidence as an
   * average one, so a long abstract no longer gets a more confident posterior than a short one.
   */
  readonly lengthNorm: number
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
  lengthNorm: 1,
  priorWeight: 1,
  clusterWeight: 0.2,
  minSimilarity: 0.02,
  clusterThreshold: 0.35,
  secondaryMin: 0.1,
  centroidTerms: 1_000,
  trainingPapers: 50_000
}

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
  /** What was learned per leaf, for a later remap to start from. */
  readonly model: LeafModels
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

/** The leaves' distinct parents, and each leaf's parent as an index among them; -1 for a top-level leaf. */
export const parentIndex = (leaves: ReadonlyArray<TaxonomyNode>): { readonly parentIds: ReadonlyArray<string>; readonly parentOf: Int32Array } => {
  const parentIds = [...new Set(leaves.flatMap((leaf) => (leaf.parentId ? [leaf.parentId] : [])))]
  return { parentIds, parentOf: Int32Array.from(leaves, (leaf) => (leaf.parentId ? parentIds.indexOf(leaf.parentId) : -1)) }
}

/** The rows `rows` of a rows × K score array. */
export const gatherRows = (scores: Float32Array, K: number, rows: Int32Array): Float32Array => {
  const out = new Float32Array(rows.length * K)
  rows.forEach((row, i) => out.set(scores.subarray(row * K, (row + 1) * K), i * K))
  return out
}

/**
 * Each row's evidence scale for `lengthScaledScores`: (mean mass / its mass)^lengthNorm, a row's
 * mass being the sum of its weights and the mean taken over all rows (see `MapOptions.lengthNorm`).
 */
export const lengthFactors = (matrix: SparseRows, lengthNorm: number): Float64Array => {
  const factors = new Float64Array(matrix.rows)
  for (let r = 0; r < matrix.rows; r++) {
    for (let p = matrix.offsets[r]; p < matrix.offsets[r + 1]; p++) factors[r] += matrix.values[p]
  }
  const meanMass = factors.reduce((sum, mass) => sum + mass, 0) / Math.max(1, matrix.rows)
  for (let r = 0; r < matrix.rows; r++) factors[r] = factors[r] > 0 ? (meanMass / factors[r]) ** lengthNorm : 1
  return factors
}

/** Log likelihoods (rows × K, in place) per unit of evidence: each row's scaled by its factor (`lengthFactors`). */
export const lengthScaledScores = (scores: Float32Array, K: number, factors: Float64Array): Float32Array => {
  for (let r = 0; r < factors.length; r++) {
    for (let k = 0; k < K; k++) scores[r * K + k] *= factors[r]
  }
  return scores
}

export const mapToTaxonomy = (input: MappingInput, options: MapOptions = DEFAULT_MAP): Mapping => {
  const leaves = leavesOf(input.taxonomy)
  const { posterior, bestSeed, logWords, logPrior } = withScoring((scoring) => {
    const { matrix } = input
    const L = leaves.length
    const factors = lengthFactors(matrix, options.lengthNorm)
    const { bestSeed, logWords, logPrior } = learnLeafModels(input, options, scoring, leaves, factors)
    // Every paper scored on the learned models, with the leaves' seeds, the training rows and the
    // last round's counts let go and collected first: at a million papers' vocabulary and 64
    // leaves, 0.6 GB beside the scores as they fill.
    releaseHeapPages()
    const scores = logLikelihoods(scoring, matrix, logWords, L, factors)
    return { posterior: softmaxRows(scores, L, options.evidenceScale, logPrior, scores), bestSeed, logWords, logPrior }
  })
  return finishMapping(input, options, leaves, posterior, bestSeed, { nodeIds: leaves.map((leaf) => leaf.id), fingerprints: leaves.map(leafFingerprint), logPrior, logWords })
}

/**
 * `passes` with the passes over every paper on two threads when the dump is large; the worker
 * and both threads' kernel memories are let go when it returns, before the papers' topics are
 * made (at a million papers, 0.4 GB that stood beside them to the end of the map).
 */
export const withScoring = <A>(passes: (scoring: Scoring) => A): A => {
  const scoring = twoThreadScoring()
  try {
    return passes(scoring)
  } finally {
    scoring.close()
    releaseHeapPages()
  }
}

/** Log likelihoods of `scored`'s rows under `logWords` (rows × L), each row's scaled by its factor. */
export const logLikelihoods = (scoring: Scoring, scored: SparseRows, logWords: Float32Array, L: number, factors: Float64Array) =>
  lengthScaledScores(scoring.rows(scored, logWords, L), L, factors)

/**
 * The leaves' word models and log priors, learned from the leaves' own texts (their seeds) and
 * the papers, and each paper's best cosine to a leaf's text.
 */
const learnLeafModels = (input: MappingInput, options: MapOptions, scoring: Scoring, leaves: ReadonlyArray<TaxonomyNode>, factors: Float64Array) => {
  const { matrix } = input
  const L = leaves.length
  const rows = matrix.rows
  const seeds = leafSeeds(input.model, input.taxonomy, leaves)
  const { parentOf } = parentIndex(leaves)
  const wordOptions = { seedPapers: options.seedPapers, shrinkage: options.shrinkage }
  // Above `trainingPapers`, the proportions and word models are learned on an even spread of the
  // papers, and only the final scoring pass is per paper: a million-paper dump costs one more pass,
  // not eight. (Measured on the 40,000-paper dev set: learning from 20,000 of them costs 0.025
  // accuracy, so dumps of the dev set's size learn from every paper.)
  const trainingRows = evenlySpacedRows(rows, options.trainingPapers)
  const { training, trainingFactors } = trainingPart(matrix, factors, trainingRows)
  const { bestSeed, trainingSimilarity } = seedSimilarities(matrix, seeds, L, trainingRows, scoring)
  const seedPosterior = softmaxRows(trainingSimilarity, L, 1 / options.temperature, undefined, trainingSimilarity)
  let logWords = wordModels(training, seedPosterior, seeds, parentOf, wordOptions, scoring)
  const logPrior = estimateProportions(training, seeds, seedPosterior, L, options, scoring).map((value) => options.priorWeight * value)
  // Later rounds learn the word models from the posteriors that include the proportions, each
  // computed in place of the log likelihoods it comes from: one rows × L array per pass, not two.
  for (let round = 1; round < options.wordRounds; round++) {
    const scores = logLikelihoods(scoring, training, logWords, L, trainingFactors)
    const posterior = softmaxRows(scores, L, options.evidenceScale, logPrior, scores)
    // The last round's models, and the counts they were made of, go before the next round's are
    // counted: at a million papers' vocabulary and 64 leaves, 0.6 GB that stood beside them.
    logWords = NO_WORDS
    releaseHeapPages()
    logWords = wordModels(training, posterior, seeds, parentOf, wordOptions, scoring)
  }
  return { bestSeed, logWords, logPrior }
}

const NO_WORDS = new Float32Array(0)

/** The training rows of `matrix`, and their length factors: the matrix and `factors` themselves when they are every row. */
export const trainingPart = (matrix: SparseRows, factors: Float64Array, trainingRows: Int32Array) =>
  trainingRows.length === matrix.rows
    ? { training: matrix, trainingFactors: factors }
    : { training: subsetRows(matrix, trainingRows), trainingFactors: Float64Array.from(trainingRows, (row) => factors[row]) }

/**
 * Every row's best cosine to a leaf's own text (`bestSeedSimilarity`), and the training rows'
 * cosines to each: the rows × leaves array of them all is let go here (312 MB at a million papers
 * and 78 leaves), before the passes that follow.
 */
export const seedSimilarities = (matrix: SparseRows, seeds: Float32Array, L: number, trainingRows: Int32Array, scoring: Scoring) => {
  const similarity = scoring.rows(matrix, seeds, L)
  return {
    bestSeed: bestSeedSimilarity(similarity, L),
    trainingSimilarity: trainingRows.length === matrix.rows ? similarity : gatherRows(similarity, L, trainingRows)
  }
}

/** Each row's best cosine to any leaf's own text: a paper below `minSimilarity` may fit nothing. */
export const bestSeedSimilarity = (seedSimilarity: Float32Array, L: number): Float32Array => {
  const best = new Float32Array(seedSimilarity.length / L)
  for (let r = 0; r < best.length; r++) best[r] = seedSimilarity[argmaxRow(seedSimilarity, r * L, L) + r * L]
  return best
}
