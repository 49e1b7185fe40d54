/**
 * The SIMD row kernels (rowKernels.wat) on this thread. Every pass of clustering and mapping
 * is a sparse matrix of TF-IDF rows times a dense weight row per term (K classes): a row's
 * scores, or the classes' expected counts per term. The kernels add four classes per
 * instruction; on the 40,000-paper dev set a k-means assignment pass (k = 100) went from
 * 440 ms in JavaScript to 100 ms, a map pass (44 leaves) from 230 ms to 50 ms.
 *
 * Each `RowKernels` owns one WebAssembly memory, which grows to the largest pass it has run
 * and is freed with it: keep one per stage and thread, not one per process.
 */
import { readFileSync } from "node:fs"
import { pipelineFile } from "../paths.ts"
import type { SparseRows, SparseVector } from "../vectorize.ts"

const MODULE = new WebAssembly.Module(readFileSync(pipelineFile("kernels/rowKernels.wasm")))

interface Exports {
  readonly memory: WebAssembly.Memory
  score_rows(rows: number, offsets: number, indices: number, values: number, rowAt: number, lanes: number, out: number): void
  count_rows(rows: number, offsets: number, indices: number, values: number, countAt: number, lanes: number, posterior: number): void
}

/** The parts of a sparse matrix a pass reads (in shared memory when a worker reads them too). */
export type KernelRows = Pick<SparseRows, "rows" | "offsets" | "indices" | "values">

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

/** Term-major weights (`weights[t * K + k]`) packed in `order`; terms all of whose weights are 0 are left out. */
export const packWeights = (weights: Float32Array, K: number, order: Int32Array, inSharedMemory = false): PackedWeights => {
  const lanes = lanesFor(K)
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
  const rows = floats(count * lanes, inSharedMemory)
  for (let t = 0; t < rowOf.length; t++) {
    if (rowOf[t] >= 0) for (let k = 0; k < K; k++) rows[rowOf[t] * lanes + k] = weights[t * K + k]
  }
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

/** Rows per chunk, and the non-zeros a chunk may copy in (more only for a single longer row). */
const CHUNK_ROWS = 1_024
const CHUNK_NONZEROS = 1 << 18

/** Posteriors below this add nothing visible to a count; left out, as the scalar counts did. */
const MIN_POSTERIOR = 1e-4

export class RowKernels {
  private readonly kernels = new WebAssembly.Instance(MODULE, {}).exports as unknown as Exports

  /** Room for `bytes` bytes of arrays (from address 0). */
  private reserve(bytes: number) {
    const { memory } = this.kernels
    const missing = bytes - memory.buffer.byteLength
    if (missing > 0) memory.grow(Math.ceil(missing / 65_536))
  }

  /**
   * Rows `from` … `to` - 1 of `matrix` scored against `weights`, a chunk at a time:
   * `visit(row, scores, at)` reads row `row`'s K scores at `scores[at]` … `scores[at + K - 1]`
   * (a view of this memory, valid during the call).
   */
  scoreEach(matrix: KernelRows, weights: PackedWeights, from: number, to: number, visit: (row: number, scores: Float32Array, at: number) => void) {
    if (weights.K === 0) {
      for (let row = from; row < to; row++) visit(row, new Float32Array(0), 0)
      return
    }
    const { lanes, rowOf, rows } = weights
    const layout = new Layout()
    const rowAt = layout.take(rowOf.length * 4)
    const packed = layout.take(rows.length * 4)
    const chunk = this.chunkLayout(layout, matrix, from, to, lanes)
    this.reserve(layout.end)
    const memory = this.kernels.memory.buffer
    const addresses = new Int32Array(memory, rowAt, rowOf.length)
    for (let t = 0; t < rowOf.length; t++) addresses[t] = rowOf[t] < 0 ? -1 : packed + rowOf[t] * lanes * 4
    new Float32Array(memory, packed, rows.length).set(rows)
    const out = new Float32Array(memory)
    this.eachChunk(matrix, from, to, chunk, (first, count) => {
      this.kernels.score_rows(count, chunk.offsets, chunk.indices, chunk.values, rowAt, lanes, chunk.block)
      for (let i = 0; i < count; i++) visit(first + i, out, chunk.block / 4 + i * lanes)
    })
  }

  /** Rows `from` … `to` - 1 scored against `weights` (plus `bias`) into `out` (matrix rows × K). */
  score(matrix: KernelRows, weights: PackedWeights, from: number, to: number, out: Float32Array, bias?: ArrayLike<number>) {
    const { K } = weights
    this.scoreEach(matrix, weights, from, to, (row, scores, at) => {
      for (let k = 0; k < K; k++) out[row * K + k] = bias === undefined ? scores[at + k] : scores[at + k] + bias[k]
    })
  }

  /**
   * Expected counts of classes `fromClass` … `toClass` - 1 per term over every row,
   * `Σ_r posterior[r, k] · x[r, t]`, added into `counts` (cols × K). `order`: the columns
   * in the order their count rows are laid out (`termsByFrequency`). Weights smaller than
   * `minWeight` in magnitude are left out (posteriors below 1e-4 add nothing visible).
   */
  count(matrix: KernelRows, posterior: Float32Array, K: number, fromClass: number, toClass: number, order: Int32Array, counts: Float64Array, minWeight = MIN_POSTERIOR) {
    // A split of one class leaves the worker none.
    if (toClass <= fromClass) return
    const cols = order.length
    const lanes = lanesFor(toClass - fromClass)
    const layout = new Layout()
    const countAt = layout.take(cols * 4)
    const sums = layout.take(cols * lanes * 4)
    const chunk = this.chunkLayout(layout, matrix, 0, matrix.rows, lanes)
    this.reserve(layout.end)
    const memory = this.kernels.memory.buffer
    const addresses = new Int32Array(memory, countAt, cols)
    order.forEach((t, slot) => (addresses[t] = sums + slot * lanes * 4))
    new Float32Array(memory, sums, cols * lanes).fill(0)
    const block = new Float32Array(memory, chunk.block, CHUNK_ROWS * lanes)
    this.eachChunk(matrix, 0, matrix.rows, chunk, (first, count) => {
      block.fill(0)
      for (let i = 0; i < count; i++) {
        for (let k = fromClass, at = (first + i) * K; k < toClass; k++) {
          const weight = posterior[at + k]
          if (weight >= minWeight || weight <= -minWeight) block[i * lanes + k - fromClass] = weight
        }
      }
      this.kernels.count_rows(count, chunk.offsets, chunk.indices, chunk.values, countAt, lanes, chunk.block)
    })
    const out = new Float32Array(memory, sums, cols * lanes)
    const width = toClass - fromClass
    for (let slot = 0; slot < cols; slot++) {
      const to = order[slot] * K + fromClass
      const from = slot * lanes
      for (let k = 0; k < width; k++) counts[to + k] += out[from + k]
    }
  }

  /** Room for a chunk's rows (offsets, indices, values) and its block of `lanes` floats per row. */
  private chunkLayout(layout: Layout, matrix: KernelRows, from: number, to: number, lanes: number) {
    let longest = 0
    for (let r = from; r < to; r++) longest = Math.max(longest, matrix.offsets[r + 1] - matrix.offsets[r])
    const nonZeros = Math.max(CHUNK_NONZEROS, longest)
    return {
      nonZeros,
      offsets: layout.take((CHUNK_ROWS + 1) * 4),
      indices: layout.take(nonZeros * 4),
      values: layout.take(nonZeros * 4),
      block: layout.take(CHUNK_ROWS * lanes * 4)
    }
  }

  /** Copy rows `from` … `to` - 1 into this memory a chunk at a time, calling `run(firstRow, rowCount)` on each. */
  private eachChunk(matrix: KernelRows, from: number, to: number, chunk: ReturnType<RowKernels["chunkLayout"]>, run: (first: number, count: number) => void) {
    const memory = this.kernels.memory.buffer
    const offsets = new Int32Array(memory, chunk.offsets, CHUNK_ROWS + 1)
    const indices = new Int32Array(memory, chunk.indices, chunk.nonZeros)
    const values = new Float32Array(memory, chunk.values, chunk.nonZeros)
    for (let first = from; first < to;) {
      const base = matrix.offsets[first]
      let last = first + 1
      while (last < to && last - first < CHUNK_ROWS && matrix.offsets[last + 1] - base <= chunk.nonZeros) last++
      for (let r = first; r <= last; r++) offsets[r - first] = matrix.offsets[r] - base
      indices.set(matrix.indices.subarray(base, matrix.offsets[last]))
      values.set(matrix.values.subarray(base, matrix.offsets[last]))
      run(first, last - first)
      first = last
    }
  }
}

/** Byte ranges of the kernels' memory, 64-byte aligned, from address 64 up. */
class Layout {
  end = 64
  take(bytes: number): number {
    const at = this.end
    this.end += Math.ceil(bytes / 64) * 64
    return at
  }
}
