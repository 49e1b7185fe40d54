/**
 * The numeric kernels of dataless classification: the taxonomy's own text is the
 * only supervision. Weights are stored by term, `weights[term * K + k]`, so that
 * scoring a paper walks K contiguous weights per non-zero: the cost of a pass is
 * papers × non-zeros × classes, and nothing is ever papers × vocabulary.
 */
import { nthSmallest } from "./nthSmallest.ts"
import type { SparseRows } from "./vectorize.ts"

/** The parts of a sparse matrix the scoring kernels read (shared memory, when a worker reads them too). */
export type ScoredRows = Pick<SparseRows, "rows" | "offsets" | "indices" | "values">

/**
 * Scores of rows `from` … `to` - 1 against K classes, `bias[k] + Σ x_t · weights[t, k]`,
 * into `out` (rows × K). Terms no class weighs (most of them, for the taxonomy's own
 * texts) are skipped: `weighed[t]` is 0 for them.
 */
export const scoreRowRange = (
  matrix: ScoredRows,
  weights: Float32Array,
  weighed: Uint8Array,
  K: number,
  bias: ArrayLike<number> | undefined,
  out: Float32Array,
  from: number,
  to: number
) => {
  const row = new Float64Array(K)
  for (let r = from; r < to; r++) {
    if (bias) for (let k = 0; k < K; k++) row[k] = bias[k]
    else row.fill(0)
    for (let p = matrix.offsets[r], end = matrix.offsets[r + 1]; p < end; p++) {
      if (weighed[matrix.indices[p]] === 0) continue
      const value = matrix.values[p]
      const base = matrix.indices[p] * K
      for (let k = 0; k < K; k++) row[k] += value * weights[base + k]
    }
    out.set(row, r * K)
  }
}

/** Which terms any class weighs. */
export const weighedTerms = (weights: Float32Array, K: number): Uint8Array => {
  const cols = weights.length / K
  const weighed = new Uint8Array(cols)
  for (let t = 0; t < cols; t++) {
    for (let k = 0, base = t * K; k < K; k++) {
      if (weights[base + k] !== 0) {
        weighed[t] = 1
        break
      }
    }
  }
  return weighed
}

/** Scores of every row against K classes: `bias[k] + Σ x_t · weights[t, k]`, rows × K. */
export const scoreRows = (matrix: SparseRows, weights: Float32Array, K: number, bias?: ArrayLike<number>): Float32Array => {
  const out = new Float32Array(matrix.rows * K)
  scoreRowRange(matrix, weights, weighedTerms(weights, K), K, bias, out, 0, matrix.rows)
  return out
}

/** Class weights by term, non-zeros only: term t's classes are `classes[starts[t]] … classes[starts[t + 1] - 1]`. */
export interface WeightColumns {
  readonly starts: Int32Array
  readonly classes: Int32Array
  readonly values: Float32Array
}

/**
 * Each class's `limit` heaviest terms of a term-major weight array, scaled to unit length,
 * by term. A class centroid learned from thousands of papers has a long tail of terms with
 * tiny weights: they barely move a score, but every paper that has one pays a multiply per class.
 */
export const heaviestTerms = (weights: Float32Array, K: number, limit: number): WeightColumns => {
  const cols = weights.length / K
  const threshold = new Float64Array(K)
  const norms = new Float64Array(K)
  const column = new Float64Array(cols)
  for (let k = 0; k < K; k++) {
    let count = 0
    for (let t = 0; t < cols; t++) if (weights[t * K + k] > 0) column[count++] = weights[t * K + k]
    threshold[k] = count > limit ? nthSmallest(column.subarray(0, count), count - limit) : Number.MIN_VALUE
  }
  const starts = new Int32Array(cols + 1)
  for (let t = 0; t < cols; t++) {
    let kept = 0
    for (let k = 0; k < K; k++) {
      const value = weights[t * K + k]
      if (value >= threshold[k]) {
        kept++
        norms[k] += value * value
      }
    }
    starts[t + 1] = starts[t] + kept
  }
  const classes = new Int32Array(starts[cols])
  const values = new Float32Array(starts[cols])
  for (let t = 0, next = 0; t < cols; t++) {
    for (let k = 0; k < K; k++) {
      const value = weights[t * K + k]
      if (value < threshold[k]) continue
      classes[next] = k
      values[next++] = value / (Math.sqrt(norms[k]) || 1)
    }
  }
  return { starts, classes, values }
}

/** Scores of rows `from` … `to` - 1 against K classes given by column, `Σ x_t · weight[t, k]`, into `out` (rows × K, zeroed). */
export const scoreColumnRange = (matrix: ScoredRows, columns: WeightColumns, K: number, out: Float32Array, from: number, to: number) => {
  const { classes, starts, values } = columns
  for (let r = from; r < to; r++) {
    const base = r * K
    for (let p = matrix.offsets[r], end = matrix.offsets[r + 1]; p < end; p++) {
      const value = matrix.values[p]
      const term = matrix.indices[p]
      for (let q = starts[term], stop = starts[term + 1]; q < stop; q++) out[base + classes[q]] += value * values[q]
    }
  }
}

/** Scores of every row against K classes given by column, rows × K. */
export const scoreColumns = (matrix: SparseRows, columns: WeightColumns, K: number): Float32Array => {
  const out = new Float32Array(matrix.rows * K)
  scoreColumnRange(matrix, columns, K, out, 0, matrix.rows)
  return out
}

/**
 * Expected counts of classes `fromClass` … `toClass` - 1 per term, `Σ_r posterior[r, k] · x[r, t]`,
 * into `counts` (cols × K), rows in order. Posteriors below 1e-4 add nothing visible and would
 * cost a pass per class, so they are skipped.
 */
export const countClassRange = (
  matrix: ScoredRows,
  posterior: Float32Array,
  K: number,
  counts: Float64Array,
  fromClass: number,
  toClass: number
) => {
  const activeClass = new Int32Array(K)
  const activeWeight = new Float64Array(K)
  for (let r = 0; r < matrix.rows; r++) {
    let active = 0
    for (let k = fromClass; k < toClass; k++) {
      const weight = posterior[r * K + k]
      if (weight < 1e-4) continue
      activeClass[active] = k
      activeWeight[active++] = weight
    }
    for (let q = matrix.offsets[r], end = matrix.offsets[r + 1]; q < end; q++) {
      const value = matrix.values[q]
      const base = matrix.indices[q] * K
      for (let j = 0; j < active; j++) counts[base + activeClass[j]] += activeWeight[j] * value
    }
  }
}

/**
 * How a pass over the rows is run: here, or split with a worker thread (scoring.ts).
 * Either way each row's scores are the same numbers.
 */
export interface Scoring {
  rows(matrix: SparseRows, weights: Float32Array, K: number, bias?: ArrayLike<number>): Float32Array
  columns(matrix: SparseRows, columns: WeightColumns, K: number): Float32Array
  /** Expected counts of every class per term (cols × K) under a posterior (rows × K). */
  counts(matrix: SparseRows, posterior: Float32Array, K: number): Float64Array
}

export const IN_LINE: Scoring = {
  rows: scoreRows,
  columns: scoreColumns,
  counts: (matrix, posterior, K) => {
    const counts = new Float64Array(matrix.cols * K)
    countClassRange(matrix, posterior, K, counts, 0, K)
    return counts
  }
}

/** Row-wise softmax of `scale · scores + logPrior`: a posterior over the K classes per row. */
export const softmaxRows = (scores: Float32Array, K: number, scale: number, logPrior?: ArrayLike<number>): Float32Array => {
  const out = new Float32Array(scores.length)
  const row = new Float64Array(K)
  for (let offset = 0; offset < scores.length; offset += K) {
    let max = -Infinity
    for (let k = 0; k < K; k++) {
      row[k] = scale * scores[offset + k] + (logPrior ? logPrior[k] : 0)
      if (row[k] > max) max = row[k]
    }
    let sum = 0
    for (let k = 0; k < K; k++) sum += row[k] = Math.exp(row[k] - max)
    for (let k = 0; k < K; k++) out[offset + k] = row[k] / sum
  }
  return out
}

export const argmaxRow = (values: ArrayLike<number>, offset: number, K: number): number => {
  let best = 0
  for (let k = 1; k < K; k++) if (values[offset + k] > values[offset + best]) best = k
  return best
}

/** Scale every class's weight column to unit length (cosine scoring). */
export const unitColumns = (weights: Float32Array, K: number): Float32Array => {
  const norms = new Float64Array(K)
  for (let i = 0; i < weights.length; i++) norms[i % K] += weights[i] * weights[i]
  for (let k = 0; k < K; k++) norms[k] = Math.sqrt(norms[k]) || 1
  for (let i = 0; i < weights.length; i++) weights[i] /= norms[i % K]
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
 * shared temperature. Each round re-estimates a class's centroid from the papers
 * it wins most clearly (anchored to its own text) and its prior from the expected
 * counts. A shared temperature lets the broad classes of a dump collect the
 * papers that fit no class in particular — which is what their size is — but it
 * also washes out small, distinctive classes, so only the priors are kept from
 * here; `wordModels` decides which class a paper's words point to.
 */
export const estimateProportions = (
  matrix: SparseRows,
  seeds: Float32Array,
  seedSimilarity: Float32Array,
  K: number,
  options: ProportionOptions,
  scoring: Scoring = IN_LINE
): Float64Array => {
  const { cols, rows } = matrix
  let logPrior = new Float64Array(K).fill(-Math.log(K))
  let posterior = softmaxRows(seedSimilarity, K, 1 / options.temperature)
  for (let round = 0; round < options.rounds; round++) {
    const winners: Array<Array<number>> = Array.from({ length: K }, () => [])
    const mass = new Float64Array(K)
    for (let r = 0; r < rows; r++) {
      winners[argmaxRow(posterior, r * K, K)].push(r)
      for (let k = 0; k < K; k++) mass[k] += posterior[r * K + k]
    }
    const centroids = new Float32Array(cols * K)
    winners.forEach((list, k) => {
      list.sort((a, b) => posterior[b * K + k] - posterior[a * K + k] || a - b)
      for (const r of list.slice(0, Math.ceil(list.length * options.confidentShare))) {
        const p = posterior[r * K + k]
        for (let q = matrix.offsets[r]; q < matrix.offsets[r + 1]; q++) centroids[matrix.indices[q] * K + k] += p * matrix.values[q]
      }
    })
    unitColumns(centroids, K)
    for (let i = 0; i < centroids.length; i++) centroids[i] = options.seedWeight * seeds[i] + (1 - options.seedWeight) * centroids[i]
    const columns = heaviestTerms(centroids, K, options.centroidTerms)
    // Smoothed expected counts: no class's prior reaches zero.
    logPrior = mass.map((count) => Math.log((count + 1) / (rows + K)))
    posterior = softmaxRows(scoring.columns(matrix, columns, K), K, 1 / options.temperature, logPrior)
  }
  return logPrior
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
  const counts = scoring.counts(matrix, posterior, K)
  const corpus = new Float64Array(cols)
  for (let p = 0; p < matrix.indices.length; p++) corpus[matrix.indices[p]] += matrix.values[p]
  for (let i = 0; i < counts.length; i++) counts[i] += options.seedPapers * seeds[i]
  const parents = Math.max(0, ...parentOf) + 1
  const parentCounts = new Float64Array(cols * parents)
  const classTotal = new Float64Array(K)
  const parentTotal = new Float64Array(parents)
  let corpusTotal = 0
  for (let t = 0; t < cols; t++) {
    corpusTotal += corpus[t]
    for (let k = 0; k < K; k++) {
      const count = counts[t * K + k]
      classTotal[k] += count
      if (parentOf[k] >= 0) {
        parentCounts[t * parents + parentOf[k]] += count
        parentTotal[parentOf[k]] += count
      }
    }
  }
  const [own, parent, whole] = options.shrinkage
  const out = new Float32Array(cols * K)
  for (let t = 0; t < cols; t++) {
    // A tiny floor: a term no paper of the corpus has still gets a finite log probability.
    const background = (corpus[t] + 1e-3) / (corpusTotal + 1e-3 * cols)
    for (let k = 0; k < K; k++) {
      const p = parentOf[k]
      const fromParent = p >= 0 ? parentCounts[t * parents + p] / (parentTotal[p] || 1) : background
      out[t * K + k] = Math.log(own * counts[t * K + k] / (classTotal[k] || 1) + parent * fromParent + whole * background)
    }
  }
  return out
}
