/**
 * k-means' update step: each cluster's centroid from the rows labelled with it. Pure; the
 * assigner (clusterAssign.ts) runs it for all clusters here, or for part of them on its worker.
 */
import { nthSmallest } from "./nthSmallest.ts"
import type { SparseRows, SparseVector } from "./vectorize.ts"

/** The parts of a sparse matrix a centroid reads (in shared memory when the worker reads them). */
export type CentroidRows = Pick<SparseRows, "offsets" | "indices" | "values">

/** Rows of cluster c are `order[start[c]] … order[start[c + 1] - 1]`, ascending. */
export interface RowsByLabel {
  readonly order: Int32Array
  readonly start: Int32Array
}

/** Rows grouped by label (counting sort). */
export const rowsByLabel = (labels: Int32Array, k: number): RowsByLabel => {
  const start = new Int32Array(k + 1)
  for (let r = 0; r < labels.length; r++) start[labels[r] + 1]++
  for (let c = 0; c < k; c++) start[c + 1] += start[c]
  const fill = start.slice(0, k)
  const order = new Int32Array(labels.length)
  for (let r = 0; r < labels.length; r++) order[fill[labels[r]]++] = r
  return { start, order }
}

/** A zeroed array of the matrix's width (zeroed again after each centroid) and room for the touched columns. */
export interface CentroidScratch {
  readonly sums: Float64Array
  readonly touched: Int32Array
}

export const centroidScratch = (cols: number): CentroidScratch => ({ sums: new Float64Array(cols), touched: new Int32Array(cols) })

/** The unit-length mean of some rows, cut to its `limit` heaviest terms and scaled to unit length again. */
export const centroidOf = (matrix: CentroidRows, rows: Int32Array, scratch: CentroidScratch, limit: number): SparseVector => {
  const { sums, touched } = scratch
  const { indices, offsets, values } = matrix
  let count = 0
  for (let i = 0; i < rows.length; i++) {
    for (let p = offsets[rows[i]], end = offsets[rows[i] + 1]; p < end; p++) {
      const column = indices[p]
      if (sums[column] === 0) touched[count++] = column
      sums[column] += values[p]
    }
  }
  let threshold = -Infinity
  if (count > limit) {
    const weights = new Float64Array(count)
    for (let i = 0; i < count; i++) weights[i] = sums[touched[i]]
    threshold = nthSmallest(weights, count - limit)
  }
  let kept = 0
  let norm = 0
  for (let i = 0; i < count; i++) {
    const sum = sums[touched[i]]
    if (sum >= threshold) {
      touched[kept++] = touched[i]
      norm += sum * sum
    } else {
      sums[touched[i]] = 0
    }
  }
  const columns = touched.slice(0, kept).sort()
  const weights = new Float32Array(kept)
  norm = Math.sqrt(norm) || 1
  for (let i = 0; i < kept; i++) {
    weights[i] = sums[columns[i]] / norm
    sums[columns[i]] = 0
  }
  return { indices: columns, values: weights }
}

/** The centroids of clusters `from` … `to` - 1 (undefined for an empty one), in cluster order. */
export const centroidsOf = (
  matrix: CentroidRows,
  { order, start }: RowsByLabel,
  from: number,
  to: number,
  scratch: CentroidScratch,
  limit: number
): Array<SparseVector | undefined> => {
  const centroids: Array<SparseVector | undefined> = []
  for (let c = from; c < to; c++) centroids.push(start[c + 1] > start[c] ? centroidOf(matrix, order.subarray(start[c], start[c + 1]), scratch, limit) : undefined)
  return centroids
}

/** The first cluster of the second half by non-zeros (at least 1): the update's cost is per non-zero. */
export const middleCluster = (offsets: Int32Array, { order, start }: RowsByLabel): number => {
  const k = start.length - 1
  const nonZeros = new Float64Array(k)
  let total = 0
  for (let c = 0; c < k; c++) {
    for (let i = start[c]; i < start[c + 1]; i++) nonZeros[c] += offsets[order[i] + 1] - offsets[order[i]]
    total += nonZeros[c]
  }
  let done = 0
  let split = 0
  while (split < k && done < total / 2) done += nonZeros[split++]
  return Math.max(1, split)
}
