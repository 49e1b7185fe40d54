/**
 * Weights as the row kernels (rowKernels.ts) read them: each term's row of K class weights,
 * the rows in the order of the terms' frequency in the matrix a pass reads, so that the rows it
 * reads most sit together in memory.
 */
import type { SparseRows, SparseVector } from "../vectorize.ts"

/** A class count rounded up to whole 4-lane vectors. */
export const lanesFor = (K: number): number => Math.ceil(K / 4) * 4

/**
 * Weights by term, packed for the kernels: term t's K weights are row `rowOf[t]` of `rows`
 * (`lanes` floats each, zero-padded), or nothing when `rowOf[t]` is -1 (no class weighs it,
 * so a pass skips it). Rows go in the order the packer was given, most frequent terms first,
 * so that the rows a pass reads most sit together in memory.
 */
export interface PackedWeights {
  readonly K: number
  readonly lanes: number
  readonly rowOf: Int32Array
  readonly rows: Float32Array
}

const floats = (length: number, inSharedMemory: boolean) =>
  inSharedMemory ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length)

const frequencyOrder = new WeakMap<Int32Array, Int32Array>()

/** The matrix's columns, most non-zeros first (ties: lower column first); cached per matrix. */
export const termsByFrequency = (matrix: Pick<SparseRows, "cols" | "indices">): Int32Array => {
  let order = frequencyOrder.get(matrix.indices)
  if (order === undefined) {
    const counts = new Int32Array(matrix.cols)
    let most = 0
    for (let p = 0; p < matrix.indices.length; p++) most = Math.max(most, ++counts[matrix.indices[p]])
    // A counting sort on (most - count): linear, and stable, so ties keep the lower column first.
    const starts = new Int32Array(most + 2)
    for (let t = 0; t < matrix.cols; t++) starts[most - counts[t] + 1]++
    for (let b = 0; b <= most; b++) starts[b + 1] += starts[b]
    order = new Int32Array(matrix.cols)
    for (let t = 0; t < matrix.cols; t++) order[starts[most - counts[t]]++] = t
    frequencyOrder.set(matrix.indices, order)
  }
  return order
}

/** Each term's row among the packed weights, in `order` (-1: all its K weights are 0), and the number of rows. */
export const weightRows = (weights: Float32Array, K: number, order: Int32Array) => {
  const rowOf = new Int32Array(order.length).fill(-1)
  let count = 0
  for (const t of order) {
    for (let k = 0; k < K; k++) {
      if (weights[t * K + k] !== 0) {
        rowOf[t] = count++
        break
      }
    }
  }
  return { rowOf, count }
}

/** Each term's weights copied into its row of `rows` (`lanes` floats each, the padding left as it is). */
export const copyWeightRows = (weights: Float32Array, K: number, lanes: number, rowOf: Int32Array, rows: Float32Array) => {
  for (let t = 0; t < rowOf.length; t++) {
    if (rowOf[t] >= 0) for (let k = 0; k < K; k++) rows[rowOf[t] * lanes + k] = weights[t * K + k]
  }
}

/** Term-major weights (`weights[t * K + k]`) packed in `order`; terms all of whose weights are 0 are left out. */
export const packWeights = (weights: Float32Array, K: number, order: Int32Array): PackedWeights => {
  const lanes = lanesFor(K)
  const { rowOf, count } = weightRows(weights, K, order)
  const rows = new Float32Array(count * lanes)
  copyWeightRows(weights, K, lanes, rowOf, rows)
  return { K, lanes, rowOf, rows }
}

/** Sparse class vectors (k-means centroids) packed in `order`: the terms no vector has are left out. */
export const packVectors = (vectors: ReadonlyArray<SparseVector>, order: Int32Array, inSharedMemory = false): PackedWeights => {
  const K = vectors.length
  const lanes = lanesFor(K)
  const rowOf = new Int32Array(order.length).fill(-1)
  const used = new Uint8Array(order.length)
  for (const vector of vectors) for (const t of vector.indices) used[t] = 1
  let count = 0
  for (const t of order) if (used[t] === 1) rowOf[t] = count++
  const rows = floats(count * lanes, inSharedMemory)
  vectors.forEach((vector, k) => {
    for (let p = 0; p < vector.indices.length; p++) rows[rowOf[vector.indices[p]] * lanes + k] = vector.values[p]
  })
  return { K, lanes, rowOf, rows }
}
