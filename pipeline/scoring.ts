/**
 * The map stage's passes over the rows on two threads: a worker scores the second half of
 * the rows (balanced by non-zeros) while this thread scores the first, both into one array
 * in shared memory. Each row is scored by the same kernel either way, so the numbers are
 * the same as in line; small matrices, one-core machines and a worker that fails to start
 * or fails a job run in line.
 */
import { availableParallelism } from "node:os"
import { countClassRange, IN_LINE, type ScoredRows, scoreColumnRange, type Scoring, scoreRowRange, type WeightColumns, weighedTerms } from "./rowScores.ts"
import type { SparseRows } from "./vectorize.ts"
import { type HandOff, middleRow, shared, startHandOff } from "./workerHandOff.ts"

export type ScoreJob =
  | {
    readonly kind: "rows"
    readonly matrix: ScoredRows
    readonly weights: Float32Array
    readonly weighed: Uint8Array
    readonly K: number
    readonly bias: ReadonlyArray<number> | undefined
    readonly out: Float32Array
    readonly from: number
    readonly to: number
  }
  | {
    readonly kind: "columns"
    readonly matrix: ScoredRows
    readonly columns: WeightColumns
    readonly K: number
    readonly out: Float32Array
    readonly from: number
    readonly to: number
  }
  | {
    readonly kind: "counts"
    readonly matrix: ScoredRows
    readonly posterior: Float32Array
    readonly K: number
    readonly counts: Float64Array
    readonly fromClass: number
    readonly toClass: number
  }

/** Below this many non-zeros a pass takes less time than handing half of it over. */
const MIN_NONZEROS = 1_000_000
export interface TwoThreadScoring extends Scoring {
  close(): void
}

export const twoThreadScoring = (): TwoThreadScoring => {
  const control = new Int32Array(new SharedArrayBuffer(8))
  let handOff: HandOff | undefined
  const sharedRows = new WeakMap<SparseRows, ScoredRows>()

  /** The worker and the matrix in shared memory, when a pass over it is worth a worker; undefined: run in line. */
  const onWorker = (matrix: SparseRows): { readonly handOff: HandOff; readonly rows: ScoredRows } | undefined => {
    if (matrix.indices.length < MIN_NONZEROS || availableParallelism() < 2) return undefined
    handOff ??= startHandOff(new URL("./workers/score.ts", import.meta.url), { control }, control)
    if (!handOff.available()) return undefined
    let rows = sharedRows.get(matrix)
    if (rows === undefined) {
      rows = { rows: matrix.rows, offsets: shared(matrix.offsets), indices: shared(matrix.indices), values: shared(matrix.values) }
      sharedRows.set(matrix, rows)
    }
    return { handOff, rows }
  }

  /** Run `score` over the rows, the second half (by non-zeros) on the worker as `job`. */
  const split = (
    matrix: SparseRows,
    K: number,
    job: (rows: ScoredRows, out: Float32Array, from: number, to: number) => ScoreJob,
    score: (rows: ScoredRows, out: Float32Array, from: number, to: number) => void
  ): Float32Array => {
    const { rows } = matrix
    const parallel = onWorker(matrix)
    if (parallel === undefined) {
      const out = new Float32Array(rows * K)
      score(matrix, out, 0, rows)
      return out
    }
    const out = new Float32Array(new SharedArrayBuffer(rows * K * 4))
    const middle = middleRow(matrix.offsets, rows)
    parallel.handOff.run(job(parallel.rows, out, middle, rows), () => score(parallel.rows, out, 0, middle), () => score(parallel.rows, out, middle, rows))
    return out
  }

  return {
    rows: (matrix, weights, K, bias) => {
      const weighed = weighedTerms(weights, K)
      const biasList = bias === undefined ? undefined : Array.from(bias)
      return split(
        matrix,
        K,
        (rows, out, from, to) => ({ kind: "rows", matrix: rows, weights, weighed, K, bias: biasList, out, from, to }),
        (rows, out, from, to) => scoreRowRange(rows, weights, weighed, K, biasList, out, from, to)
      )
    },
    columns: (matrix, columns, K) =>
      split(
        matrix,
        K,
        (rows, out, from, to) => ({ kind: "columns", matrix: rows, columns, K, out, from, to }),
        (rows, out, from, to) => scoreColumnRange(rows, columns, K, out, from, to)
      ),
    // Split by class, not by row: each count sums its rows in the same order as in line.
    counts: (matrix, posterior, K) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.counts(matrix, posterior, K)
      const counts = new Float64Array(new SharedArrayBuffer(matrix.cols * K * 8))
      const onShared = shared(posterior)
      const half = Math.ceil(K / 2)
      parallel.handOff.run(
        { kind: "counts", matrix: parallel.rows, posterior: onShared, K, counts, fromClass: half, toClass: K },
        () => countClassRange(parallel.rows, onShared, K, counts, 0, half),
        () => countClassRange(parallel.rows, onShared, K, counts, half, K)
      )
      return counts
    },
    close: () => handOff?.close()
  }
}
