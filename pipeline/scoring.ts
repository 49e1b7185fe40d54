/**
 * The map stage's passes over the rows on two threads: a worker scores the second half of
 * the rows (balanced by non-zeros) while this thread scores the first, both into one array
 * in shared memory. Both threads' kernels run on one kernel memory, where a pass's weights
 * are packed once and each thread has rooms of its own for its chunks (and its sums, in a
 * count). Each row is scored by the same kernel either way, so the numbers are the same as in
 * line; small matrices, one-core machines and a worker that fails to start or fails a job run
 * in line.
 */
import { availableParallelism } from "node:os"
import { packVectors, termsByFrequency } from "./kernels/packedWeights.ts"
import { type ChunkRoom, type CountRoom, kernelMemory, Layout, type PlacedWeights, RowKernels } from "./kernels/rowKernels.ts"
import { pipelineFile } from "./paths.ts"
import { IN_LINE, type ScoredRows, type Scoring } from "./rowScores.ts"
import type { SparseRows } from "./vectorize.ts"
import { type HandOff, middleRow, shared, sharedMatrix, startHandOff } from "./workerHandOff.ts"

/** A job on the kernel memory both threads share: its weights and rooms are laid out there by the main thread. */
export type ScoreJob =
  | {
    readonly kind: "rows"
    readonly matrix: ScoredRows
    readonly weights: PlacedWeights
    readonly room: ChunkRoom
    readonly bias: ReadonlyArray<number> | undefined
    readonly out: Float32Array
    readonly from: number
    readonly to: number
  }
  | {
    readonly kind: "counts"
    readonly matrix: ScoredRows
    readonly room: CountRoom
    readonly posterior: Float32Array
    readonly K: number
    readonly order: Int32Array
    readonly counts: Float32Array
    readonly fromClass: number
    readonly toClass: number
  }

/** Run a job with `kernels` (the worker's side, and this thread's when the worker is gone). */
export const runScoreJob = (kernels: RowKernels, job: ScoreJob) => {
  if (job.kind === "rows") kernels.scorePlacedInto(job.matrix, job.weights, job.room, job.from, job.to, job.out, job.bias)
  else kernels.countIn(job.room, job.matrix, job.posterior, job.K, job.fromClass, job.toClass, job.order, job.counts)
}

/** The bytes of the arrays a job hands the worker (which it keeps until it collects: workers/answerJobs.ts). */
export const handedBytes = (job: ScoreJob): number => (job.kind === "rows" ? job.out.byteLength : job.counts.byteLength + job.posterior.byteLength)

/**
 * From this many bytes handed over, the worker collects before it answers: at a million papers a
 * pass's scores (256 MB) and a round's counts (197 MB); none of a 40k run's passes (up to 41 MB).
 */
const COLLECT_FROM_BYTES = 64 * 1024 ** 2

/** Below this many non-zeros a pass takes less time than handing half of it over. */
const MIN_NONZEROS = 1_000_000
/**
 * From this many non-zeros a pass waits for the worker to load (0.1-0.2 s) rather than run
 * in line: half of a pass of 40,000 papers (5.6 million non-zeros) takes less than that.
 */
const WAIT_NONZEROS = 20_000_000
export interface TwoThreadScoring extends Scoring {
  /** How many passes the worker has done its half of (the rest ran in line, or wholly here). */
  passesOnWorker(): number
  close(): void
}

/**
 * `waitNonZeros`: the passes from which the worker is waited for while it loads (`WAIT_NONZEROS`);
 * `collectFromBytes`: the jobs after which it collects before answering (`COLLECT_FROM_BYTES`).
 */
export const twoThreadScoring = (waitNonZeros = WAIT_NONZEROS, collectFromBytes = COLLECT_FROM_BYTES): TwoThreadScoring => {
  const control = new Int32Array(new SharedArrayBuffer(8))
  // The worker and this thread's kernels on the memory they share: it grows to the largest pass
  // (at a million papers' vocabulary and 64 leaves, the packed weights alone are 200 MB) and is
  // let go on `close`, with the worker.
  let pair: { readonly handOff: HandOff; readonly kernels: RowKernels } | undefined
  const sharedRows = new WeakMap<SparseRows, ScoredRows>()
  let passesOnWorker = 0

  /** The worker, this thread's kernels and the matrix in shared memory, when a pass over it is worth a worker; undefined: run in line. */
  const onWorker = (matrix: SparseRows) => {
    if (matrix.indices.length < MIN_NONZEROS || availableParallelism() < 2) return undefined
    if (pair === undefined) {
      const memory = kernelMemory()
      pair = { handOff: startHandOff(pipelineFile("workers/score.ts"), { collectFromBytes, control, memory }, control), kernels: new RowKernels(memory) }
    }
    if (!pair.handOff.available(matrix.indices.length >= waitNonZeros)) return undefined
    let rows = sharedRows.get(matrix)
    if (rows === undefined) {
      rows = sharedMatrix(matrix)
      sharedRows.set(matrix, rows)
    }
    return { ...pair, rows }
  }
  type OnWorker = NonNullable<ReturnType<typeof onWorker>>

  /** `second` on the worker while `first` runs here (and `second` too, should the worker not take it). */
  const runHalves = ({ handOff, kernels }: OnWorker, first: ScoreJob, second: ScoreJob) => {
    if (handOff.run(second, () => runScoreJob(kernels, first), () => runScoreJob(kernels, second))) passesOnWorker++
  }

  /** A scoring pass over the rows, the second half (by non-zeros) on the worker, with `place` laying the weights out first. */
  const split = (matrix: SparseRows, parallel: OnWorker, bias: ArrayLike<number> | undefined, place: (layout: Layout) => PlacedWeights) => {
    const { kernels, rows } = parallel
    const layout = new Layout()
    const weights = place(layout)
    const biasList = bias === undefined ? undefined : Array.from(bias)
    const out = new Float32Array(new SharedArrayBuffer(matrix.rows * weights.K * 4))
    const middle = middleRow(matrix.offsets, matrix.rows)
    const job = (from: number, to: number): ScoreJob => {
      const room = kernels.chunkRoom(layout, rows, from, to, weights.lanes)
      return { kind: "rows", matrix: rows, weights, room, bias: biasList, out, from, to }
    }
    const first = job(0, middle)
    const second = job(middle, matrix.rows)
    kernels.reserve(layout)
    runHalves(parallel, first, second)
    return out
  }

  return {
    rows: (matrix, weights, K, bias) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.rows(matrix, weights, K, bias)
      return split(matrix, parallel, bias, (layout) => parallel.kernels.placeWeights(layout, weights, K, termsByFrequency(matrix)))
    },
    vectors: (matrix, vectors) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.vectors(matrix, vectors)
      return split(matrix, parallel, undefined, (layout) => parallel.kernels.place(layout, packVectors(vectors, termsByFrequency(matrix))))
    },
    // Split by class, not by row: each count sums its rows in the same order as in line.
    counts: (matrix, posterior, K) => {
      const parallel = onWorker(matrix)
      if (parallel === undefined) return IN_LINE.counts(matrix, posterior, K)
      const { kernels, rows } = parallel
      const counts = new Float32Array(new SharedArrayBuffer(matrix.cols * K * 4))
      const onShared = shared(posterior)
      const order = shared(termsByFrequency(matrix))
      const half = Math.ceil(K / 2)
      const layout = new Layout()
      const job = (fromClass: number, toClass: number): ScoreJob => {
        const room = kernels.countRoom(layout, rows, matrix.cols, Math.max(0, toClass - fromClass))
        return { kind: "counts", matrix: rows, room, posterior: onShared, K, order, counts, fromClass, toClass }
      }
      const first = job(0, half)
      const second = job(half, K)
      kernels.reserve(layout)
      runHalves(parallel, first, second)
      return counts
    },
    passesOnWorker: () => passesOnWorker,
    close: () => {
      pair?.handOff.close()
      pair = undefined
    }
  }
}
