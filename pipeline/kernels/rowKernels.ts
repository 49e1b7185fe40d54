/**
 * The SIMD row kernels (rowKernels.wat) on this thread. Every pass of clustering and mapping
 * is a sparse matrix of TF-IDF rows times a dense weight row per term (K classes): a row's
 * scores, or the classes' expected counts per term. The kernels add four classes per
 * instruction; on the 40,000-paper dev set a k-means assignment pass (k = 100) went from
 * 440 ms in JavaScript to 100 ms, a map pass (44 leaves) from 230 ms to 50 ms.
 *
 * Each `RowKernels` runs on one WebAssembly memory (its own, or one it shares with a worker's),
 * which grows to the largest pass it has run and is freed with it: keep one per stage, not one
 * per process.
 */
import { readFileSync } from "node:fs"
import { pipelineFile } from "../paths.ts"
import type { SparseRows } from "../vectorize.ts"
import { copyWeightRows, lanesFor, type PackedWeights, weightRows } from "./packedWeights.ts"

const MODULE = new WebAssembly.Module(readFileSync(pipelineFile("kernels/rowKernels.wasm")))

/**
 * A kernel memory: shared, so that two threads can run one pass over weights laid out in it
 * once (at a million papers' vocabulary and 64 leaves, 200 MB that each thread's memory and the
 * hand-over held again). Its maximum, wasm32's whole 4 GiB, is address space, not memory.
 */
export const kernelMemory = (): WebAssembly.Memory => new WebAssembly.Memory({ initial: 1, maximum: 65_536, shared: true })

interface Exports {
  score_rows(rows: number, offsets: number, indices: number, values: number, rowAt: number, lanes: number, out: number): void
  count_rows(rows: number, offsets: number, indices: number, values: number, countAt: number, lanes: number, posterior: number): void
}

/** The parts of a sparse matrix a pass reads (in shared memory when a worker reads them too). */
export type KernelRows = Pick<SparseRows, "rows" | "offsets" | "indices" | "values">

/** Rows per chunk, and the non-zeros a chunk may copy in (more only for a single longer row). */
const CHUNK_ROWS = 1_024
const CHUNK_NONZEROS = 1 << 18

/** Posteriors below this add nothing visible to a count; left out, as the scalar counts did. */
const MIN_POSTERIOR = 1e-4

/** A visitor of `scoreEach` that writes each row's K scores, plus `bias`, into `out` (rows × K). */
const writeScores = (K: number, out: Float32Array, bias: ArrayLike<number> | undefined) => (row: number, scores: Float32Array, at: number) => {
  for (let k = 0; k < K; k++) out[row * K + k] = bias === undefined ? scores[at + k] : scores[at + k] + bias[k]
}

/** Weights laid out in a kernel memory: term t's row of `lanes` floats is at the byte address held at `rowAt + 4t` (-1: none). */
export interface PlacedWeights {
  readonly K: number
  readonly lanes: number
  readonly rowAt: number
}

/** One thread's room in a kernel memory for a chunk of rows and its block of `lanes` floats per row. */
export interface ChunkRoom {
  readonly nonZeros: number
  readonly offsets: number
  readonly indices: number
  readonly values: number
  readonly block: number
}

/** One thread's room for a count pass: each column's address of its sums (`countAt`), the sums, and a chunk. */
export interface CountRoom {
  readonly lanes: number
  readonly countAt: number
  readonly sums: number
  readonly chunk: ChunkRoom
}

/** Byte ranges of a kernel memory, 64-byte aligned, from address 64 up. */
export class Layout {
  end = 64
  take(bytes: number): number {
    const at = this.end
    this.end += Math.ceil(bytes / 64) * 64
    return at
  }
}

/**
 * The kernels on one memory (a new one, or one shared with another thread's `RowKernels`:
 * the arrays a pass lays out with `place…` and `…Room` are then read by both, each thread
 * working in rooms of its own). The single-thread passes (`score`, `scoreEach`, `count`) lay
 * their arrays out from the start of the memory.
 */
export class RowKernels {
  readonly memory: WebAssembly.Memory
  private readonly kernels: Exports

  constructor(memory: WebAssembly.Memory = kernelMemory()) {
    this.memory = memory
    this.kernels = new WebAssembly.Instance(MODULE, { env: { memory } }).exports as unknown as Exports
  }

  /** Room for the arrays of `layout` (the memory grows; what is in it stays, and stays where it is). */
  reserve(layout: Layout) {
    const missing = layout.end - this.memory.buffer.byteLength
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65_536))
  }

  /** Packed weights copied into this memory at `layout`'s next ranges. */
  place(layout: Layout, weights: PackedWeights): PlacedWeights {
    const { K, lanes, rowOf, rows } = weights
    const { rowAt, packed } = this.placeRows(layout, rowOf, lanes, lanes === 0 ? 0 : rows.length / lanes)
    new Float32Array(this.memory.buffer, packed, rows.length).set(rows)
    return { K, lanes, rowAt }
  }

  /** Term-major weights packed in `order` straight into this memory, as `packWeights` packs them (without a copy outside it). */
  placeWeights(layout: Layout, weights: Float32Array, K: number, order: Int32Array): PlacedWeights {
    const lanes = lanesFor(K)
    const { rowOf, count } = weightRows(weights, K, order)
    const { rowAt, packed } = this.placeRows(layout, rowOf, lanes, count)
    const rows = new Float32Array(this.memory.buffer, packed, count * lanes)
    rows.fill(0)
    copyWeightRows(weights, K, lanes, rowOf, rows)
    return { K, lanes, rowAt }
  }

  /** Room for each term's row address and for `count` rows after them, with the addresses written. */
  private placeRows(layout: Layout, rowOf: Int32Array, lanes: number, count: number) {
    const rowAt = layout.take(rowOf.length * 4)
    const packed = layout.take(count * lanes * 4)
    this.reserve(layout)
    const addresses = new Int32Array(this.memory.buffer, rowAt, rowOf.length)
    for (let t = 0; t < rowOf.length; t++) addresses[t] = rowOf[t] < 0 ? -1 : packed + rowOf[t] * lanes * 4
    return { rowAt, packed }
  }

  /** Room for a chunk of rows `from` … `to` - 1 of `matrix` (offsets, indices, values) and its block of `lanes` floats per row. */
  chunkRoom(layout: Layout, matrix: KernelRows, from: number, to: number, lanes: number): ChunkRoom {
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

  /** Room for counting `width` classes over the `cols` columns of `matrix`. */
  countRoom(layout: Layout, matrix: KernelRows, cols: number, width: number): CountRoom {
    const lanes = lanesFor(width)
    const countAt = layout.take(cols * 4)
    const sums = layout.take(cols * lanes * 4)
    return { lanes, countAt, sums, chunk: this.chunkRoom(layout, matrix, 0, matrix.rows, lanes) }
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
    const layout = new Layout()
    const placed = this.place(layout, weights)
    const room = this.chunkRoom(layout, matrix, from, to, weights.lanes)
    this.reserve(layout)
    this.scorePlaced(matrix, placed, room, from, to, visit)
  }

  /** Rows `from` … `to` - 1 scored against `weights` (plus `bias`) into `out` (matrix rows × K). */
  score(matrix: KernelRows, weights: PackedWeights, from: number, to: number, out: Float32Array, bias?: ArrayLike<number>) {
    this.scoreEach(matrix, weights, from, to, writeScores(weights.K, out, bias))
  }

  /** `score` on weights already in this memory, with the chunks in `room`. */
  scorePlacedInto(matrix: KernelRows, weights: PlacedWeights, room: ChunkRoom, from: number, to: number, out: Float32Array, bias?: ArrayLike<number>) {
    this.scorePlaced(matrix, weights, room, from, to, writeScores(weights.K, out, bias))
  }

  /** `scoreEach` on weights already in this memory, with the chunks in `room`. */
  scorePlaced(matrix: KernelRows, weights: PlacedWeights, room: ChunkRoom, from: number, to: number, visit: (row: number, scores: Float32Array, at: number) => void) {
    const { lanes } = weights
    const out = new Float32Array(this.memory.buffer)
    this.eachChunk(matrix, from, to, room, (first, count) => {
      this.kernels.score_rows(count, room.offsets, room.indices, room.values, weights.rowAt, lanes, room.block)
      for (let i = 0; i < count; i++) visit(first + i, out, room.block / 4 + i * lanes)
    })
  }

  /**
   * Expected counts of classes `fromClass` … `toClass` - 1 per term over every row,
   * `Σ_r posterior[r, k] · x[r, t]`, added into `counts` (cols × K). `order`: the columns
   * in the order their count rows are laid out (`termsByFrequency`). Weights smaller than
   * `minWeight` in magnitude are left out (posteriors below 1e-4 add nothing visible).
   */
  count(matrix: KernelRows, posterior: Float32Array, K: number, fromClass: number, toClass: number, order: Int32Array, counts: Float32Array | Float64Array, minWeight = MIN_POSTERIOR) {
    const layout = new Layout()
    const room = this.countRoom(layout, matrix, order.length, Math.max(0, toClass - fromClass))
    this.reserve(layout)
    this.countIn(room, matrix, posterior, K, fromClass, toClass, order, counts, minWeight)
  }

  /** `count` with the sums and chunks in `room`. */
  countIn(room: CountRoom, matrix: KernelRows, posterior: Float32Array, K: number, fromClass: number, toClass: number, order: Int32Array, counts: Float32Array | Float64Array, minWeight = MIN_POSTERIOR) {
    // A split of one class leaves the worker none.
    if (toClass <= fromClass) return
    const cols = order.length
    const { lanes, countAt, sums, chunk } = room
    const memory = this.memory.buffer
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

  /** Copy rows `from` … `to` - 1 into this memory a chunk at a time, calling `run(firstRow, rowCount)` on each. */
  private eachChunk(matrix: KernelRows, from: number, to: number, chunk: ChunkRoom, run: (first: number, count: number) => void) {
    const memory = this.memory.buffer
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
