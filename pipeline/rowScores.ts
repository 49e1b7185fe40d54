/**
 * The passes over the rows of the map stage: each row's scores against K classes (dense
 * term-major weights, or weights by column), and the classes' expected counts per term.
 * Kernels over a range of rows (or classes), so that scoring.ts can split a pass between
 * two threads; `IN_LINE` runs them whole on this thread.
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
