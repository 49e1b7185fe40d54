/**
 * k-means' assignment step (each row to its most cosine-similar centroid) and update step
 * (each cluster's centroid from its rows), on the main thread and, for large corpora, with a
 * worker thread that labels the second half of the rows in shared memory and computes the
 * centroids of the second half of the clusters: both steps split without changing a label or
 * a weight. The assignment uses the SIMD row kernels (kernels/rowKernels.ts) with the
 * centroids packed by term.
 */
import { availableParallelism } from "node:os"
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads"
import { centroidScratch, centroidsOf, middleCluster, rowsByLabel } from "./clusterCentroids.ts"
import { type PackedWeights, packVectors, termsByFrequency } from "./kernels/packedWeights.ts"
import { type KernelRows, RowKernels } from "./kernels/rowKernels.ts"
import { pipelineFile } from "./paths.ts"
import { HAND_OFF, middleRow, shared, sharedMatrix, startHandOff } from "./workerHandOff.ts"
import type { SparseRows, SparseVector } from "./vectorize.ts"

/** The sparse rows the worker reads: `SparseRows` over shared memory (`sharedMatrix`). */
export type SharedMatrix = KernelRows

/** Slots of the Int32Array through which the worker reports: the hand-off's, and how many labels it changed. */
export const CONTROL = { ...HAND_OFF, changed: 2 } as const

export type AssignJob =
  | { readonly kind: "assign"; readonly centroids: PackedWeights }
  | {
    readonly kind: "centroids"
    /** The rows grouped by label (`rowsByLabel`), in shared memory. */
    readonly order: Int32Array
    readonly start: Int32Array
    /** The clusters whose centroids the worker computes and posts on its port. */
    readonly from: number
    readonly to: number
    readonly cols: number
    readonly limit: number
  }

/** Below this many non-zeros a worker's start-up (~0.1 s) costs more than it saves. */
const WORKER_MIN_NONZEROS = 1_000_000

export interface Assigner {
  readonly labels: Int32Array
  readonly best: Float32Array
  /** Label every row against the sparse `centroids`; returns how many labels changed. */
  assign(centroids: ReadonlyArray<SparseVector>): number
  /** Each of the `k` clusters' centroid under the current labels (undefined: empty), cut to `limit` terms. */
  centroids(k: number, limit: number): Array<SparseVector | undefined>
  close(): void
}

export const makeAssigner = (matrix: SparseRows, allowWorker: boolean): Assigner => {
  const { rows } = matrix
  const order = termsByFrequency(matrix)
  const kernels = new RowKernels()
  const useWorker = allowWorker && matrix.indices.length >= WORKER_MIN_NONZEROS && availableParallelism() >= 2
  const scratch = centroidScratch(matrix.cols)
  if (!useWorker) {
    const labels = new Int32Array(rows)
    const best = new Float32Array(rows)
    return {
      labels,
      best,
      assign: (centroids) => assignRange(kernels, matrix, packVectors(centroids, order), labels, best, 0, rows),
      centroids: (k, limit) => centroidsOf(matrix, rowsByLabel(labels, k), 0, k, scratch, limit),
      close: () => undefined
    }
  }
  const sharedRows: SharedMatrix = sharedMatrix(matrix)
  const labels = new Int32Array(new SharedArrayBuffer(rows * 4))
  const best = new Float32Array(new SharedArrayBuffer(rows * 4))
  const control = new Int32Array(new SharedArrayBuffer(3 * 4))
  const middle = middleRow(matrix.offsets, rows)
  // The worker's centroids come back on this port, read synchronously once it says it is done.
  const { port1: centroidReplies, port2: workerPort } = new MessageChannel()
  centroidReplies.unref()
  // Started now, so that it loads while the first centroids are built.
  const handOff = startHandOff(
    pipelineFile("workers/assign.ts"),
    { matrix: sharedRows, control, labels, best, from: middle, to: rows, port: workerPort },
    control,
    [workerPort]
  )
  return {
    labels,
    best,
    centroids: (k, limit) => {
      const grouped = rowsByLabel(labels, k)
      const split = middleCluster(matrix.offsets, grouped)
      let mine: Array<SparseVector | undefined> = []
      const job: AssignJob = { kind: "centroids", order: shared(grouped.order), start: shared(grouped.start), from: split, to: k, cols: matrix.cols, limit }
      // Without the worker (or without its reply), its half is computed here, below.
      const byWorker = handOff.run(job, () => (mine = centroidsOf(sharedRows, grouped, 0, split, scratch, limit)), () => undefined)
      const theirs = byWorker ? receiveMessageOnPort(centroidReplies)?.message as Array<SparseVector | undefined> | undefined : undefined
      return [...mine, ...(theirs ?? centroidsOf(sharedRows, grouped, split, k, scratch, limit))]
    },
    assign: (vectors) => {
      const centroids = packVectors(vectors, order, handOff.available())
      let changed = 0
      const byWorker = handOff.run(
        { kind: "assign", centroids } satisfies AssignJob,
        () => (changed += assignRange(kernels, sharedRows, centroids, labels, best, 0, middle)),
        () => (changed += assignRange(kernels, sharedRows, centroids, labels, best, middle, rows))
      )
      return byWorker ? changed + control[CONTROL.changed] : changed
    },
    close: () => {
      handOff.close()
      centroidReplies.close()
    }
  }
}

/**
 * Most similar centroid of rows `from` … `to` - 1 into `labels` / `best`; returns how many labels changed.
 * Ties go to the lower cluster id. (Elkan-style bounds to skip rows were tried on the 40k bench: TF-IDF rows
 * sit closer to their second-best centroid than the centroids move, and no iteration got faster.)
 */
export const assignRange = (
  kernels: RowKernels,
  matrix: SharedMatrix,
  centroids: PackedWeights,
  labels: Int32Array,
  best: Float32Array,
  from: number,
  to: number
): number => {
  const { K } = centroids
  let changed = 0
  kernels.scoreEach(matrix, centroids, from, to, (row, similarity, at) => {
    let bestCluster = 0
    for (let c = 1; c < K; c++) if (similarity[at + c] > similarity[at + bestCluster]) bestCluster = c
    if (labels[row] !== bestCluster) changed++
    labels[row] = bestCluster
    best[row] = similarity[at + bestCluster]
  })
  return changed
}
