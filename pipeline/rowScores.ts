/**
 * The passes over the rows of the map stage: each row's scores against K classes (dense
 * term-major weights), and the classes' expected counts per term, on the SIMD row kernels
 * (kernels/rowKernels.ts). scoring.ts splits a pass between two threads; `IN_LINE` runs it
 * whole on this thread. Either way each number is added up in the same order.
 */
import { type PackedWeights, packVectors, packWeights, termsByFrequency } from "./kernels/packedWeights.ts"
import { type KernelRows, RowKernels } from "./kernels/rowKernels.ts"
import type { SparseRows, SparseVector } from "./vectorize.ts"

/** The parts of a sparse matrix the scoring kernels read (shared memory, when a worker reads them too). */
export type ScoredRows = KernelRows

/**
 * How a pass over the rows is run: here, or split with a worker thread (scoring.ts).
 * Either way each row's scores are the same numbers.
 */
export interface Scoring {
  /** Scores of every row against K classes, `bias[k] + Σ_t x_t · weights[t, k]` (weights term-major), rows × K. */
  rows(matrix: SparseRows, weights: Float32Array, K: number, bias?: ArrayLike<number>): Float32Array
  /** Scores of every row against sparse class vectors, `Σ_t x_t · vectors[k][t]`, rows × vectors.length. */
  vectors(matrix: SparseRows, vectors: ReadonlyArray<SparseVector>): Float32Array
  /**
   * Expected counts of every class per term (cols × K) under a posterior (rows × K), each the one
   * single-precision sum the row kernels make of it (held as such: at a million papers' vocabulary
   * and 64 leaves, 197 MB rather than 394 as doubles).
   */
  counts(matrix: SparseRows, posterior: Float32Array, K: number): Float32Array
}

/** Every row scored against packed weights on this thread, rows × K. */
const scoreInLine = (matrix: SparseRows, weights: PackedWeights, bias?: ArrayLike<number>): Float32Array => {
  const out = new Float32Array(matrix.rows * weights.K)
  new RowKernels().score(matrix, weights, 0, matrix.rows, out, bias)
  return out
}

/** Every pass on this thread, each on a kernel memory of its own that is freed after it. */
export const IN_LINE: Scoring = {
  rows: (matrix, weights, K, bias) => scoreInLine(matrix, packWeights(weights, K, termsByFrequency(matrix)), bias),
  vectors: (matrix, vectors) => scoreInLine(matrix, packVectors(vectors, termsByFrequency(matrix))),
  counts: (matrix, posterior, K) => {
    const counts = new Float32Array(matrix.cols * K)
    new RowKernels().count(matrix, posterior, K, 0, K, termsByFrequency(matrix), counts)
    return counts
  }
}

/** Scores of every row against K classes on this thread (see `Scoring.rows`). */
export const scoreRows = IN_LINE.rows
