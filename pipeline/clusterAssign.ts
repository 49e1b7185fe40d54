/**
 * k-means' assignment step (each row to its most cosine-similar centroid), on the main
 * thread and, for large corpora, on a worker thread that labels the second half of the rows
 * in shared memory: the step is 90% of k-means' time and splits without changing a label.
 */
import { availableParallelism } from "node:os"
import { HAND_OFF, middleRow, shared, startHandOff } from "./workerHandOff.ts"
import type { SparseRows, SparseVector } from "./vectorize.ts"

/** The sparse rows the worker reads: `SparseRows` over shared memory. */
export interface SharedMatrix {
  readonly offsets: Int32Array
  readonly indices: Int32Array
  readonly values: Float32Array
}

/** Slots of the Int32Array through which the worker reports: the hand-off's, and how many labels it changed. */
export const CONTROL = { ...HAND_OFF, changed: 2 } as const

export interface AssignJob {
  readonly columns: CentroidColumns
  readonly k: number
}

/** Below this many non-zeros a worker's start-up (~0.1 s) costs more than it saves. */
const WORKER_MIN_NONZEROS = 1_000_000

export interface Assigner {
  readonly labels: Int32Array
  readonly best: Float32Array
  /** Label every row against the k sparse `centroids`; returns how many labels changed. */
  assign(centroids: ReadonlyArray<SparseVector>, k: number): number
  close(): void
}

export const makeAssigner = (matrix: SparseRows, allowWorker: boolean): Assigner => {
  const { rows, cols } = matrix
  const useWorker = allowWorker && matrix.indices.length >= WORKER_MIN_NONZEROS && availableParallelism() >= 2
  if (!useWorker) {
    const labels = new Int32Array(rows)
    const best = new Float32Array(rows)
    return {
      labels,
      best,
      assign: (centroids, k) => assignRange(matrix, byColumn(centroids, cols, false), k, labels, best, 0, rows),
      close: () => undefined
    }
  }
  const sharedRows: SharedMatrix = { offsets: shared(matrix.offsets), indices: shared(matrix.indices), values: shared(matrix.values) }
  const labels = new Int32Array(new SharedArrayBuffer(rows * 4))
  const best = new Float32Array(new SharedArrayBuffer(rows * 4))
  const control = new Int32Array(new SharedArrayBuffer(3 * 4))
  const middle = middleRow(matrix.offsets, rows)
  // Started now, so that it loads while the first centroids are built.
  const handOff = startHandOff(new URL("./workers/assign.ts", import.meta.url), { matrix: sharedRows, control, labels, best, from: middle, to: rows }, control)
  return {
    labels,
    best,
    assign: (centroids, k) => {
      const columns = byColumn(centroids, cols, handOff.available())
      let changed = 0
      const byWorker = handOff.run(
        { columns, k } satisfies AssignJob,
        () => (changed += assignRange(sharedRows, columns, k, labels, best, 0, middle)),
        () => (changed += assignRange(sharedRows, columns, k, labels, best, middle, rows))
      )
      return byWorker ? changed + control[CONTROL.changed] : changed
    },
    close: handOff.close
  }
}

/**
 * Centroids by column: for each term, the clusters whose centroid has it. A row's
 * similarity to all k centroids is then one pass over its non-zeros, each touching only
 * the clusters that share the term, in adjacent memory. Row-major dense centroids made
 * the same dot products jump across a k × vocabulary array per non-zero: the 40k-paper
 * profile spent 72% of the run there.
 */
export interface CentroidColumns {
  readonly starts: Int32Array
  readonly clusters: Int32Array
  readonly values: Float32Array
}

export const byColumn = (centroids: ReadonlyArray<SparseVector>, cols: number, inSharedMemory: boolean): CentroidColumns => {
  const ints = (length: number) => (inSharedMemory ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length))
  const starts = ints(cols + 1)
  for (const centroid of centroids) for (let p = 0; p < centroid.indices.length; p++) starts[centroid.indices[p] + 1]++
  for (let j = 0; j < cols; j++) starts[j + 1] += starts[j]
  const fill = starts.slice(0, cols)
  const clusters = ints(starts[cols])
  const values = inSharedMemory ? new Float32Array(new SharedArrayBuffer(starts[cols] * 4)) : new Float32Array(starts[cols])
  centroids.forEach((centroid, c) => {
    for (let p = 0; p < centroid.indices.length; p++) {
      const column = centroid.indices[p]
      clusters[fill[column]] = c
      values[fill[column]++] = centroid.values[p]
    }
  })
  return { starts, clusters, values }
}

/**
 * Most similar centroid of rows `from` … `to` - 1 into `labels` / `best`; returns how many labels changed.
 * Ties go to the lower cluster id. (Elkan-style bounds to skip rows were tried on the 40k bench: TF-IDF rows
 * sit closer to their second-best centroid than the centroids move, and no iteration got faster.)
 */
export const assignRange = (
  matrix: SharedMatrix,
  columns: CentroidColumns,
  k: number,
  labels: Int32Array,
  best: Float32Array,
  from: number,
  to: number
): number => {
  const { offsets, indices, values } = matrix
  const { starts, clusters, values: weights } = columns
  const similarity = new Float64Array(k)
  let changed = 0
  for (let r = from; r < to; r++) {
    similarity.fill(0)
    for (let p = offsets[r], end = offsets[r + 1]; p < end; p++) {
      const value = values[p]
      const column = indices[p]
      for (let q = starts[column], stop = starts[column + 1]; q < stop; q++) similarity[clusters[q]] += value * weights[q]
    }
    let bestCluster = 0
    let bestSimilarity = -Infinity
    for (let c = 0; c < k; c++) {
      if (similarity[c] > bestSimilarity) {
        bestSimilarity = similarity[c]
        bestCluster = c
      }
    }
    if (labels[r] !== bestCluster) changed++
    labels[r] = bestCluster
    best[r] = bestSimilarity
  }
  return changed
}

