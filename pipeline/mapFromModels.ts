/**
 * Map a stored run onto an edited taxonomy, starting from what the run's map learned
 * (leafModels.ts) instead of learning every leaf again: `remap`'s mapping.
 *
 * A leaf whose own text is unchanged keeps its stored word model and prior, whatever its
 * id or place now. New and edited leaves are learned as the full map learns every leaf,
 * against the kept ones: word models from the seed posteriors, a share of the papers
 * (their prior) from the posterior mass they win, then word models again from the full
 * posteriors. A removed leaf's papers go to the leaves they score best on next.
 *
 * Cost: one pass of every paper against the kept leaves, and passes against the new ones
 * only; an unchanged taxonomy gives exactly the run's posteriors. When fewer than half of
 * the leaves are kept, learning them all again is the better start: `reusableLeaves` says so.
 */
import type { TaxonomyNode } from "./domain.ts"
import { corpusDistribution, pickColumns, type SeededCounts, seededCount, shrunkLogWords, softmaxRows } from "./dataless.ts"
import { leafFingerprint, type LeafModels } from "./leafModels.ts"
import {
  gatherRows,
  leafSeeds,
  lengthFactors,
  logLikelihoods,
  type MapOptions,
  type Mapping,
  type MappingInput,
  parentIndex,
  seedSimilarities,
  trainingPart,
  withScoring
} from "./map.ts"
import { finishMapping } from "./mapTopics.ts"
import type { Scoring } from "./rowScores.ts"
import { leavesOf } from "./taxonomy.ts"
import { evenlySpacedRows, type SparseRows } from "./vectorize.ts"

/** Rounds that estimate the new leaves' share of the papers. */
const PRIOR_ROUNDS = 3

/** For each leaf of the taxonomy, the stored leaf whose model it keeps (-1: learn it); undefined when too few are kept. */
export const reusableLeaves = (taxonomy: MappingInput["taxonomy"], stored: LeafModels): Int32Array | undefined => {
  const storedLeaf = new Map(stored.fingerprints.map((fingerprint, l) => [fingerprint, l]))
  const from = Int32Array.from(leavesOf(taxonomy), (leaf) => storedLeaf.get(leafFingerprint(leaf)) ?? -1)
  const kept = from.filter((l) => l >= 0).length
  return kept * 2 >= from.length && kept > 0 ? from : undefined
}

export const mapFromModels = (input: MappingInput, stored: LeafModels, from: Int32Array, options: MapOptions): Mapping => {
  const { leaves, posterior, bestSeed, leafModels } = withScoring((scoring) => mapWith(input, stored, from, options, scoring))
  return finishMapping(input, options, leaves, posterior, bestSeed, leafModels)
}

/** Two row-major score arrays side by side: `a`'s columns go to `aColumns`, `b`'s to `bColumns` of a rows × K array. */
const interleave = (a: Float32Array, aColumns: Int32Array, b: Float32Array, bColumns: Int32Array, K: number): Float32Array => {
  const rows = aColumns.length > 0 ? a.length / aColumns.length : b.length / bColumns.length
  const out = new Float32Array(rows * K)
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < aColumns.length; j++) out[r * K + aColumns[j]] = a[r * aColumns.length + j]
    for (let j = 0; j < bColumns.length; j++) out[r * K + bColumns[j]] = b[r * bColumns.length + j]
  }
  return out
}

/** The leaves' posteriors over every paper, from the stored models and those of the new leaves. */
const mapWith = (input: MappingInput, stored: LeafModels, from: Int32Array, options: MapOptions, scoring: Scoring) => {
  const { matrix, model, taxonomy } = input
  const leaves = leavesOf(taxonomy)
  const L = leaves.length
  const S = stored.nodeIds.length
  const kept = Int32Array.from(from.keys()).filter((l) => from[l] >= 0)
  const fresh = Int32Array.from(from.keys()).filter((l) => from[l] < 0)
  const seeds = leafSeeds(model, taxonomy, leaves)
  const trainingRows = evenlySpacedRows(matrix.rows, options.trainingPapers)
  const { bestSeed, trainingSimilarity } = seedSimilarities(matrix, seeds, L, trainingRows, scoring)

  // Every stored leaf kept, in its stored order: the stored arrays serve as they are.
  const asStored = L === S && from.every((source, l) => source === l)
  const keptWords = asStored ? stored.logWords : pickColumns(stored.logWords, S, Int32Array.from(kept, (l) => from[l]))
  // With no new leaf, `kept` is every leaf in order: its words are every leaf's.
  let logWords = keptWords
  const logPrior = new Float64Array(L)
  for (const l of kept) logPrior[l] = stored.logPrior[from[l]]
  const factors = lengthFactors(matrix, options.lengthNorm)
  const keptScores = logLikelihoods(scoring, matrix, keptWords, kept.length, factors)

  // With no new leaf, `kept` is every leaf in order: the scores are already rows × L.
  let scores = keptScores
  if (fresh.length > 0) {
    const { training, trainingFactors } = trainingPart(matrix, factors, trainingRows)
    const keptTraining = training === matrix ? keptScores : gatherRows(keptScores, kept.length, trainingRows)
    const learn = freshLearner(training, leaves, fresh, kept, keptWords, seeds, options, scoring)
    // First, word models from the posteriors of the leaves' own texts, as the full map starts.
    const seedPosterior = softmaxRows(trainingSimilarity, L, 1 / options.temperature)
    let freshWords = learn(pickColumns(seedPosterior, L, fresh))
    // Then the new leaves' share of the papers: the kept leaves keep their proportions among themselves.
    const freshTraining = logLikelihoods(scoring, training, freshWords, fresh.length, trainingFactors)
    const trainingScores = interleave(keptTraining, kept, freshTraining, fresh, L)
    for (const l of fresh) logPrior[l] = options.priorWeight * Math.log(1 / L)
    for (let round = 0; round < PRIOR_ROUNDS; round++) {
      const posterior = softmaxRows(trainingScores, L, options.evidenceScale, logPrior)
      estimateFreshPriors(posterior, L, kept, fresh, stored, from, options.priorWeight, logPrior)
    }
    // Then word models again from the full posteriors, and every paper scored on them.
    freshWords = learn(pickColumns(softmaxRows(trainingScores, L, options.evidenceScale, logPrior), L, fresh))
    logWords = interleave(keptWords, kept, freshWords, fresh, L)
    scores = interleave(keptScores, kept, logLikelihoods(scoring, matrix, freshWords, fresh.length, factors), fresh, L)
  }
  // In place: the scores are not read again.
  const posterior = softmaxRows(scores, L, options.evidenceScale, logPrior, scores)
  // A kept leaf's words are the stored ones, value for value: the store points at them instead of writing them again.
  const storedWords = Array.from(from, (source) => (source >= 0 ? stored.storedWords?.[source] ?? null : null))
  const leafModels: LeafModels = { nodeIds: leaves.map((leaf) => leaf.id), fingerprints: leaves.map(leafFingerprint), logPrior, logWords, storedWords }
  return { leaves, posterior, bestSeed, leafModels }
}

/**
 * The new leaves' log priors from the posterior mass they win (smoothed, as in the full
 * map); the kept leaves share what is left in their stored proportions.
 */
const estimateFreshPriors = (
  posterior: Float32Array,
  L: number,
  kept: Int32Array,
  fresh: Int32Array,
  stored: LeafModels,
  from: Int32Array,
  priorWeight: number,
  logPrior: Float64Array
) => {
  const rows = posterior.length / L
  let freshShare = 0
  for (const l of fresh) {
    let mass = 0
    for (let r = 0; r < rows; r++) mass += posterior[r * L + l]
    const share = (mass + 1) / (rows + L)
    logPrior[l] = priorWeight * Math.log(share)
    freshShare += share
  }
  let keptShare = 0
  for (const l of kept) keptShare += Math.exp(stored.logPrior[from[l]] / (priorWeight || 1))
  const scale = Math.log(Math.max(1e-9, 1 - freshShare) / (keptShare || 1))
  for (const l of kept) logPrior[l] = stored.logPrior[from[l]] + priorWeight * scale
}

/**
 * Word models of the new leaves from their posteriors (training rows × new leaves): expected
 * counts plus their own text, shrunk towards their parent — the mean of its leaves' word
 * distributions, kept and new — and the corpus, as `wordModels` does for every leaf.
 */
const freshLearner = (
  training: SparseRows,
  leaves: ReadonlyArray<TaxonomyNode>,
  fresh: Int32Array,
  kept: Int32Array,
  keptWords: Float32Array,
  seeds: Float32Array,
  options: MapOptions,
  scoring: Scoring
) => {
  const L = leaves.length
  const F = fresh.length
  const K = kept.length
  const cols = training.cols
  const background = corpusDistribution(training)
  const freshSeeds = pickColumns(seeds, L, fresh)
  // Each new leaf's parent, among the new leaves' distinct parents; the parent's kept leaves (as
  // columns of `keptWords`, in leaf order); all its leaves.
  const { parentIds, parentOf } = parentIndex(Array.from(fresh, (l) => leaves[l]))
  const siblings = parentIds.map((id) => Array.from(kept.keys()).filter((j) => leaves[kept[j]].parentId === id))
  const siblingCount = parentIds.map((id) => leaves.filter((leaf) => leaf.parentId === id).length)
  const parents = Math.max(1, parentIds.length)
  return (posterior: Float32Array): Float32Array => {
    const counts: SeededCounts = { counts: scoring.counts(training, posterior, F), seeds: freshSeeds, seedPapers: options.seedPapers }
    const classTotal = new Float64Array(F)
    for (let i = 0; i < counts.counts.length; i++) classTotal[i % F] += seededCount(counts, i)
    const parentDistribution = new Float64Array(cols * parents)
    for (let t = 0; t < cols; t++) {
      siblings.forEach((columns, p) => {
        for (const j of columns) parentDistribution[t * parents + p] += Math.exp(keptWords[t * K + j])
      })
      for (let j = 0; j < F; j++) if (parentOf[j] >= 0) parentDistribution[t * parents + parentOf[j]] += seededCount(counts, t * F + j) / (classTotal[j] || 1)
    }
    for (let i = 0; i < parentDistribution.length; i++) parentDistribution[i] /= siblingCount[i % parents] || 1
    return shrunkLogWords(counts, F, parentOf, parentDistribution, background, options.shrinkage)
  }
}
