/**
 * The numeric kernels of dataless classification: the taxonomy's own text is the
 * only supervision. Weights are stored by term, `weights[term * K + k]`, so that
 * scoring a paper walks K contiguous weights per non-zero: the cost of a pass is
 * papers × non-zeros × classes, and nothing is ever papers × vocabulary.
 */
import { nthSmallest } from "./nthSmallest.ts"
import { IN_LINE, type Scoring } from "./rowScores.ts"
import type { SparseRows, SparseVector } from "./vectorize.ts"

/**
 * Below this exponent a class's exp is under 2e-48, so its share of the row is 0 as a Float32,
 * and the row's sum, which holds the largest class's exp(0) = 1, comes out the same to the last
 * bit without it: the exp is skipped. The word models' log likelihoods can be hundreds apart
 * between a paper's classes.
 */
const NEGLIGIBLE_EXPONENT = -110

/**
 * Row-wise softmax of `scale · scores + logPrior`: a posterior over the K classes per row, in
 * `out` (which may be `scores` itself: a row is read before it is written).
 */
export const softmaxRows = (scores: Float32Array, K: number, scale: number, logPrior?: ArrayLike<number>, out: Float32Array = new Float32Array(scores.length)): Float32Array => {
  const row = new Float64Array(K)
  for (let offset = 0; offset < scores.length; offset += K) {
    let max = -Infinity
    for (let k = 0; k < K; k++) {
      row[k] = scale * scores[offset + k] + (logPrior ? logPrior[k] : 0)
      if (row[k] > max) max = row[k]
    }
    let sum = 0
    for (let k = 0; k < K; k++) {
      const shifted = row[k] - max
      sum += row[k] = shifted < NEGLIGIBLE_EXPONENT ? 0 : Math.exp(shifted)
    }
    for (let k = 0; k < K; k++) out[offset + k] = row[k] / sum
  }
  return out
}

/** Columns `columns` of a rows × K array (scores by row, or weights by term), as a rows × columns.length array. */
export const pickColumns = (values: Float32Array, K: number, columns: Int32Array): Float32Array => {
  const rows = values.length / K
  const out = new Float32Array(rows * columns.length)
  for (let r = 0; r < rows; r++) for (let j = 0; j < columns.length; j++) out[r * columns.length + j] = values[r * K + columns[j]]
  return out
}

export const argmaxRow = (values: ArrayLike<number>, offset: number, K: number): number => {
  let best = 0
  for (let k = 1; k < K; k++) if (values[offset + k] > values[offset + best]) best = k
  return best
}

/** Scale every class's weight column to unit length (cosine scoring). */
export const unitColumns = (weights: Float32Array, K: number): Float32Array => {
  const cols = weights.length / K
  const norms = new Float64Array(K)
  for (let t = 0, i = 0; t < cols; t++) for (let k = 0; k < K; k++, i++) norms[k] += weights[i] * weights[i]
  for (let k = 0; k < K; k++) norms[k] = Math.sqrt(norms[k]) || 1
  for (let t = 0, i = 0; t < cols; t++) for (let k = 0; k < K; k++, i++) weights[i] /= norms[k]
  return weights
}

export interface ProportionOptions {
  /** Terms kept per class centroid (its heaviest). */
  readonly centroidTerms: number
  readonly rounds: number
  readonly temperature: number
  readonly seedWeight: number
  readonly confidentShare: number
}

/**
 * How common each class is (log priors), by EM over a mixture of cosine centroids with one
 * shared temperature, starting from `seedPosterior` (the softmax of the rows' cosines to the
 * classes' own texts at that temperature). Each round re-estimates a class's centroid from the papers
 * it wins most clearly (anchored to its own text) and its prior from the expected
 * counts. A shared temperature lets the broad classes of a dump collect the
 * papers that fit no class in particular — which is what their size is — but it
 * also washes out small, distinctive classes, so only the priors are kept from
 * here; `wordModels` decides which class a paper's words point to.
 */
export const estimateProportions = (
  matrix: SparseRows,
  seeds: Float32Array,
  seedPosterior: Float32Array,
  K: number,
  options: ProportionOptions,
  scoring: Scoring = IN_LINE
): Float64Array => {
  const { cols, rows } = matrix
  const seedTerms = classTerms(seeds, K)
  const scratch = { sums: new Float32Array(cols), seen: new Uint8Array(cols), seed: new Float32Array(cols) }
  let logPrior = new Float64Array(K).fill(-Math.log(K))
  let posterior = seedPosterior
  for (let round = 0; round < options.rounds; round++) {
    const winners: Array<Array<number>> = Array.from({ length: K }, () => [])
    const mass = new Float64Array(K)
    for (let r = 0; r < rows; r++) {
      winners[argmaxRow(posterior, r * K, K)].push(r)
      for (let k = 0; k < K; k++) mass[k] += posterior[r * K + k]
    }
    const centroids = winners.map((list, k) => {
      list.sort((a, b) => posterior[b * K + k] - posterior[a * K + k] || a - b)
      return proportionCentroid(matrix, list.slice(0, Math.ceil(list.length * options.confidentShare)), posterior, k, K, seeds, seedTerms[k], options, scratch)
    })
    // Smoothed expected counts: no class's prior reaches zero.
    logPrior = mass.map((count) => Math.log((count + 1) / (rows + K)))
    posterior = softmaxRows(scoring.vectors(matrix, centroids), K, 1 / options.temperature, logPrior)
  }
  return logPrior
}

/** The terms each class weighs in term-major `weights`, ascending. */
const classTerms = (weights: Float32Array, K: number): Array<Int32Array> => {
  const terms: Array<Array<number>> = Array.from({ length: K }, () => [])
  for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) terms[i % K].push(Math.floor(i / K))
  return terms.map((list) => Int32Array.from(list))
}

/**
 * One class's centroid for the proportion EM, sparse: the unit-length sum of its confident
 * papers (`rows`, each weighted by its posterior), mixed with its own text (`seedWeight`), cut to
 * its `centroidTerms` heaviest terms and scaled to unit length again. It touches only the terms
 * of those papers: over a 200,000-paper vocabulary the dense version (terms × classes, five
 * times over) was most of the map's time. `scratch` is zeroed again on return.
 */
const proportionCentroid = (
  matrix: SparseRows,
  rows: ReadonlyArray<number>,
  posterior: Float32Array,
  k: number,
  K: number,
  seeds: Float32Array,
  seedTerms: Int32Array,
  options: ProportionOptions,
  scratch: { readonly sums: Float32Array; readonly seen: Uint8Array; readonly seed: Float32Array }
): SparseVector => {
  const { seed, seen, sums } = scratch
  const { indices, offsets, values } = matrix
  const touched: Array<number> = []
  for (const r of rows) {
    const p = posterior[r * K + k]
    for (let q = offsets[r], end = offsets[r + 1]; q < end; q++) {
      const term = indices[q]
      if (seen[term] === 0) {
        seen[term] = 1
        touched.push(term)
      }
      sums[term] += p * values[q]
    }
  }
  let norm = 0
  for (const term of touched) norm += sums[term] * sums[term]
  norm = Math.sqrt(norm) || 1
  for (const term of touched) sums[term] /= norm
  // The class's own text by term in `seed`, read in step with `sums` (its column of the
  // term-major `seeds` is K apart between terms).
  for (const term of seedTerms) {
    seed[term] = seeds[term * K + k]
    if (seen[term] === 0) {
      seen[term] = 1
      touched.push(term)
    }
  }
  const positive: Array<number> = []
  for (const term of touched) {
    sums[term] = options.seedWeight * seed[term] + (1 - options.seedWeight) * sums[term]
    if (sums[term] > 0) positive.push(sums[term])
  }
  for (const term of seedTerms) seed[term] = 0
  const threshold = positive.length > options.centroidTerms
    ? nthSmallest(Float64Array.from(positive), positive.length - options.centroidTerms)
    : Number.MIN_VALUE
  // Only the kept terms are sorted: a large leaf touches tens of thousands.
  const kept = Int32Array.from(touched.filter((term) => sums[term] >= threshold)).sort()
  let keptNorm = 0
  for (const term of kept) keptNorm += sums[term] * sums[term]
  keptNorm = Math.sqrt(keptNorm) || 1
  const weights = Float32Array.from(kept, (term) => sums[term] / keptNorm)
  for (const term of touched) {
    sums[term] = 0
    seen[term] = 0
  }
  return { indices: kept, values: weights }
}

export interface WordModelOptions {
  /** Weight of a class's own text among its training papers, in papers' worth. */
  readonly seedPapers: number
  /** Mixture weights of the class's own, its parent's and the corpus's word distribution (sum 1). */
  readonly shrinkage: readonly [number, number, number]
}

/**
 * Multinomial naive Bayes word distributions per class, trained on soft labels,
 * with hierarchical shrinkage (McCallum et al., 1998): a class's distribution
 * is mixed with its parent's (the pooled counts of its siblings) and the
 * corpus's, so a class learns the words that set it apart and borrows the rest.
 * Returns log probabilities, term-major (cols × K). The TF-IDF weights serve as
 * fractional counts.
 */
export const wordModels = (
  matrix: SparseRows,
  posterior: Float32Array,
  seeds: Float32Array,
  parentOf: Int32Array,
  options: WordModelOptions,
  scoring: Scoring = IN_LINE
): Float32Array => {
  const K = parentOf.length
  const { cols } = matrix
  const counts: SeededCounts = { counts: scoring.counts(matrix, posterior, K), seeds, seedPapers: options.seedPapers }
  const parents = Math.max(0, ...parentOf) + 1
  const parentCounts = new Float64Array(cols * parents)
  const parentTotal = new Float64Array(parents)
  for (let t = 0; t < cols; t++) {
    for (let k = 0; k < K; k++) {
      if (parentOf[k] < 0) continue
      const count = seededCount(counts, t * K + k)
      parentCounts[t * parents + parentOf[k]] += count
      parentTotal[parentOf[k]] += count
    }
  }
  for (let i = 0; i < parentCounts.length; i++) parentCounts[i] /= parentTotal[i % parents] || 1
  return shrunkLogWords(counts, K, parentOf, parentCounts, corpusDistribution(matrix), options.shrinkage)
}

/** The corpus's word distribution, with a tiny floor: a term no paper has still gets a finite log probability. */
export const corpusDistribution = (matrix: SparseRows): Float64Array => {
  const { cols } = matrix
  const corpus = new Float64Array(cols)
  for (let p = 0; p < matrix.indices.length; p++) corpus[matrix.indices[p]] += matrix.values[p]
  let total = 0
  for (let t = 0; t < cols; t++) total += corpus[t]
  for (let t = 0; t < cols; t++) corpus[t] = (corpus[t] + 1e-3) / (total + 1e-3 * cols)
  return corpus
}

/**
 * Classes' expected counts per term (cols × K) with `seedPapers` papers' worth of each class's own
 * text (`seeds`, cols × K) added: `seededCount` adds them in double precision as they are read,
 * the same numbers as a cols × K array of the sums would hold, without that array (394 MB at a
 * million papers' vocabulary and 64 leaves, at the map's memory high point).
 */
export interface SeededCounts {
  readonly counts: Float32Array
  readonly seeds: Float32Array
  readonly seedPapers: number
}

export const seededCount = ({ counts, seeds, seedPapers }: SeededCounts, i: number): number => counts[i] + seedPapers * seeds[i]

/**
 * Each class's word log probabilities, term-major (cols × K): its own counts normalised,
 * mixed with its parent's distribution (`parentDistribution`, cols × parents; a class without
 * a parent takes the corpus's instead) and the corpus's `background`.
 */
export const shrunkLogWords = (
  counts: SeededCounts,
  K: number,
  parentOf: Int32Array,
  parentDistribution: Float64Array,
  background: Float64Array,
  shrinkage: WordModelOptions["shrinkage"]
): Float32Array => {
  const cols = background.length
  const parents = parentDistribution.length / cols
  const classTotal = new Float64Array(K)
  for (let i = 0; i < counts.counts.length; i++) classTotal[i % K] += seededCount(counts, i)
  const [own, parent, whole] = shrinkage
  const out = new Float32Array(cols * K)
  for (let t = 0; t < cols; t++) {
    for (let k = 0; k < K; k++) {
      const p = parentOf[k]
      const fromParent = p >= 0 ? parentDistribution[t * parents + p] : background[t]
      out[t * K + k] = Math.log(own * seededCount(counts, t * K + k) / (classTotal[k] || 1) + parent * fromParent + whole * background[t])
    }
  }
  return out
}
