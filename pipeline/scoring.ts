/**
 * The map stage's passes over the rows on two threads: a worker scores the second half of
 * the rows (balanced by non-zeros) while this thread scores the first, both into one array
 * in shared memory. Each row is scored by the same kernel either way, so the numbers are
 * the same as in line; small matrices, one-core machines and a worker that fails to start
 * or fails a job run in line.
 */
import { availableParallelism } from "node:os"
import { type PackedWeights, packVectors, packWeights, RowKernels, termsByFrequency } from "./kernels/rowKernels.ts"
import { pipelineFile } from "./paths.ts"
import { IN_LINE, type ScoredRows, type Scoring } from "./rowScores.ts"
import type { SparseRows } from "./vectorize.ts"
import { type HandOff, middleRow, shared, sharedMatrix, startHandOff } from "./workerHandOff.ts"

export type ScoreJob =
  | {
    readonly kind: "rows"
    readonly matrix: ScoredRows
    readonly weights: PackedWeights
    readonly bias: ReadonlyArray<number> | undefined
    readonly out: Float32Array
    readonly from: number
    readonly to: number
  }
  | {
    readonly kind: "counts"
    readonly matrix: ScoredRows
    readonly posterior: Float32Array
    readonly K: number
    readonly order: Int32Array
    readonly counts: Float64Array
    readonly fromClass: number
    readonly toClass: number
  }

/** Run a job with `kernels` (the worker's side, and this thread's when the worker is gone). */
export const runScoreJob = (kernels: RowKernels, job: ScoreJob) => {
  if (job.kind === "rows") kernels.score(job.matrix, job.weights, job.from, job.to, job.out, job.bias)
  else kernels.count(job.matrix, job.posterior, job.K, job.fromClass, job.toClass, job.order, job.counts)
}

/** Below this many non-zeros a pass takes less time than handing half of it over. */
const MIN_NONZEROS = 1_000_000
/**
 * From this many non-zeros a pass waits for the worker to load (0.1-0.2 s) rather than run
 * in line: half of a pass of 40,000 papers (5.6 million non-zeros) takes less than that.
 */
const WAIT_NONZEROS = 20_000_000
export interface TwoThreadScoring extends Scoring {
  close(): void
}

/** `waitNonZeros`: the passes from which the worker is waited for while it loads (`WAIT_NONZEROS`). */
export const twoThreadScoring = (waitNonZeros = WAIT_NONZEROS): TwoThreadScoring => {
  const control = new Int32Array(new SharedArrayBuffer(8))
  let handOff: HandOff | undefined
  const sharedRows = new WeakMap<SparseRows, ScoredRows>()
  // Its memory holds the packed weights of the largest pass (at a million papers' vocabulary and
  // 64 leaves, 200 MB): let go on `close`, with the worker's.
  let kernels: RowKernels | undefined

  /** The worker and the matrix in shared memory, when a pass over it is worth a worker; undefined: run in line. */
  const onWorker = (matrix: SparseRows): { readonly handOff: HandOff; readonly rows: ScoredRows } | undefined => {
    if (matrix.indices.length < MIN_NONZEROS || availableParallelism() < 2) return undefined
    handOff ??= startHandOff(pipelineFile("workers/score.ts"), { control }, control)
    if (!handOff.available(matrix.indices.length >= waitNonZeros)) return undefined
    let rows = sharedRows.get(matrix)
    if (rows === undefined) {
      rows = sharedMatrix(matrix)
      sharedRows.set(matrix, rows)
    }
    return { handOff, rows }
  }

  /** `second` on the worker while `first` runs here (and `second` too, should the worker not take it). */
  const runHalves = (handOff: HandOff, first: ScoreJob, second: ScoreJob) => {
    const here = (kernels ??= new RowKernels())
    handOff.run(second, () => runScoreJob(here, first), () => runScoreJob(here, second))
  }

  /** A scoring pass over the rows, the second half (by non-zeros) on the worker. */
  const split = (matrix: SparseRows, parallel: { readonly handOff: HandOff; readonly rows: ScoredRows }, weights: PackedWeights, bias: ArrayLike<number> | undefined) => {
    const biasList = bias === undefined ? undefined : Array.from(bias)
    const out = new Float32Array(new SharedArrayBuffer(matrix.rows * weights.K * 4))
    const middle = middleRow(matrix.offsets, matrix.rows)
    const job = (from: number, to: number): ScoreJob => ({ kind: "rows", matrix: parallel.rows, weights, bias: biasList, out, from, to })
    runHalves(parallel.handOff, job(0, middle), job(middle, matrix.rows))
    return out
  }

  return {
    rows: (matrix, weights, K, bias) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.rows(matrix, weights, K, bias)
      return split(matrix, parallel, packWeights(weights, K, termsByFrequency(matrix), true), bias)
    },
    vectors: (matrix, vectors) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.vectors(matrix, vectors)
      return split(matrix, parallel, packVectors(vectors, termsByFrequency(matrix), true), undefined)
    },
    // Split by class, not by row: each count sums its rows in the same order as in line.
    counts: (matrix, posterior, K) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.counts(matrix, posterior, K)
      const counts = new Float64Array(new SharedArrayBuffer(matrix.cols * K * 8))
      const onShared = shared(posterior)
      const order = shared(termsByFrequency(matrix))
      const half = Math.ceil(K / 2)
      const job = (fromClass: number, toClass: number): ScoreJob => ({ kind: "counts", matrix: parallel.rows, posterior: onShared, K, order, counts, fromClass, toClass })
      runHalves(parallel.handOff, job(0, half), job(half, K))
      return counts
    },
    close: () => {
      handOff?.close()
      handOff = undefined
      kernels = undefined
    }
  }
}
