/** An Int32Array / Float32Array that doubles when full. */
export class Growable<T extends Int8Array | Int32Array | Float32Array | Float64Array> {
  length = 0
  data: T
  constructor(data: T) {
    this.data = data
  }
  ensure(size: number) {
    if (size <= this.data.length) return
    let capacity = this.data.length * 2
    while (capacity < size) capacity *= 2
    const next = new (this.data.constructor as new(length: number) => T)(capacity)
    next.set(this.data)
    this.data = next
  }
  push(value: number) {
    if (this.length === this.data.length) this.ensure(this.length + 1)
    this.data[this.length++] = value
  }
}

const CHUNK_BITS = 20
const CHUNK_MASK = (1 << CHUNK_BITS) - 1

/**
 * Int32 values appended in fixed chunks of 2^20, read by position: no doubling copy, and at
 * most one chunk unused. A doubled array is up to twice its data, and three times while it is
 * copied: a million papers' 46 million keyphrase candidates, three ints each, took 768 MB so
 * (1.15 GB during the last copy) and take 552 MB chunked.
 */
export class ChunkedInts {
  length = 0
  private readonly chunks: Array<Int32Array> = []

  push(value: number) {
    const offset = this.length & CHUNK_MASK
    if (offset === 0) this.chunks.push(new Int32Array(CHUNK_MASK + 1))
    this.chunks[this.length >>> CHUNK_BITS][offset] = value
    this.length++
  }

  at(index: number): number {
    return this.chunks[index >>> CHUNK_BITS][index & CHUNK_MASK]
  }
}

/**
 * Whole numbers from 0 appended in chunks of bytes, read by position; a value from 255 up is
 * kept exactly beside them. The keyphrase candidates' weighted counts are nearly all under 10:
 * a byte each rather than four, 46 MB rather than 184 MB at a million papers.
 */
export class ChunkedCounts {
  length = 0
  private readonly chunks: Array<Uint8Array> = []
  private readonly large = new Map<number, number>()

  push(value: number) {
    const offset = this.length & CHUNK_MASK
    if (offset === 0) this.chunks.push(new Uint8Array(CHUNK_MASK + 1))
    if (value >= 255) this.large.set(this.length, value)
    this.chunks[this.length >>> CHUNK_BITS][offset] = Math.min(value, 255)
    this.length++
  }

  at(index: number): number {
    const value = this.chunks[index >>> CHUNK_BITS][index & CHUNK_MASK]
    return value === 255 ? this.large.get(index)! : value
  }
}
