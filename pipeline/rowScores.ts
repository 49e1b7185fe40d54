/**
 * The passes over the rows of the map stage: each row's scores against K classes (dense
 * term-major weights), and the classes' expected counts per term, on the SIMD row kernels
 * (kernels/rowKernels.ts). scoring.ts splits a pass between two threads; `IN_LINE` runs it
 * whole on this thread. Either way each number is added up in the same order.
 */
import { type KernelRows, packWeights, RowKernels, termsByFrequency } from "./kernels/rowKernels.ts"
import { nthSmallest } from "./nthSmallest.ts"
import type { SparseRows } from "./vectorize.ts"

/** The parts of a sparse matrix the scoring kernels read (shared memory, when a worker reads them too). */
export type ScoredRows = KernelRows

/**
 * Each class's `limit` heaviest terms of a term-major weight array, scaled to unit length; the
 * other weights 0. A class centroid learned from thousands of papers has a long tail of terms
 * with tiny weights: they barely move a score, and a term no class keeps costs a pass nothing.
 */
export const heaviestTerms = (weights: Float32Array, K: number, limit: number): Float32Array => {
  const cols = weights.length / K
  // Each class's positive weights gathered in one pass over the terms (term-major, as stored).
  const positives = new Int32Array(K + 1)
  for (let t = 0, i = 0; t < cols; t++) for (let k = 0; k < K; k++, i++) if (weights[i] > 0) positives[k + 1]++
  for (let k = 0; k < K; k++) positives[k + 1] += positives[k]
  const gathered = new Float64Array(positives[K])
  const fill = positives.slice(0, K)
  for (let t = 0, i = 0; t < cols; t++) for (let k = 0; k < K; k++, i++) if (weights[i] > 0) gathered[fill[k]++] = weights[i]
  const threshold = new Float64Array(K)
  for (let k = 0; k < K; k++) {
    const count = positives[k + 1] - positives[k]
    threshold[k] = count > limit ? nthSmallest(gathered.subarray(positives[k], positives[k + 1]), count - limit) : Number.MIN_VALUE
  }
  const norms = new Float64Array(K)
  const kept = new Float32Array(weights.length)
  for (let t = 0, i = 0; t < cols; t++) {
    for (let k = 0; k < K; k++, i++) {
      if (weights[i] >= threshold[k]) {
        kept[i] = weights[i]
        norms[k] += weights[i] * weights[i]
      }
    }
  }
  for (let k = 0; k < K; k++) norms[k] = Math.sqrt(norms[k]) || 1
  for (let t = 0, i = 0; t < cols; t++) for (let k = 0; k < K; k++, i++) kept[i] /= norms[k]
  return kept
}

/**
 * How a pass over the rows is run: here, or split with a worker thread (scoring.ts).
 * Either way each row's scores are the same numbers.
 */
export interface Scoring {
  /** Scores of every row against K classes, `bias[k] + Σ_t x_t · weights[t, k]` (weights term-major), rows × K. */
  rows(matrix: SparseRows, weights: Float32Array, K: number, bias?: ArrayLike<number>): Float32Array
  /** Expected counts of every class per term (cols × K) under a posterior (rows × K). */
  counts(matrix: SparseRows, posterior: Float32Array, K: number): Float64Array
}

/** Every pass on this thread, each on a kernel memory of its own that is freed after it. */
export const IN_LINE: Scoring = {
  rows: (matrix, weights, K, bias) => {
    const out = new Float32Array(matrix.rows * K)
    new RowKernels().score(matrix, packWeights(weights, K, termsByFrequency(matrix)), 0, matrix.rows, out, bias)
    return out
  },
  counts: (matrix, posterior, K) => {
    const counts = new Float64Array(matrix.cols * K)
    new RowKernels().count(matrix, posterior, K, 0, K, termsByFrequency(matrix), counts)
    return counts
  }
}

/** Scores of every row against K classes on this thread (see `Scoring.rows`). */
export const scoreRows = IN_LINE.rows
