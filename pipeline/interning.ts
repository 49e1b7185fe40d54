/**
 * Interned strings and integer sequences: each distinct value gets a dense integer id, found
 * by open addressing over typed arrays. A corpus's tokens are read straight from its text
 * (no substring per token, no Map hashing a fresh string), and a phrase is known by the ids
 * of its words. The 40k-paper keyphrase profile spent half its time hashing token and
 * phrase strings in Maps.
 */
import { Growable } from "./growable.ts"

/** FNV-1a over 16-bit units: a text's hash is `textHashStep` over its characters from `TEXT_HASH_START`. */
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
export const TEXT_HASH_START = FNV_OFFSET
export const textHashStep = (hash: number, code: number): number => Math.imul(hash ^ code, FNV_PRIME)

/** Slots of an open-addressing table of ids (-1: empty), kept at most 3/4 full. */
class Slots {
  mask = (1 << 12) - 1
  ids = new Int32Array(1 << 12).fill(-1)
  private count = 0

  /** Make room for one more id; `hashOf(id)` re-places the ones there. */
  reserve(hashOf: (id: number) => number) {
    if ((this.count + 1) * 4 <= this.mask * 3) return
    const old = this.ids
    this.mask = old.length * 2 - 1
    this.ids = new Int32Array(old.length * 2).fill(-1)
    for (const id of old) {
      if (id === -1) continue
      let slot = hashOf(id) & this.mask
      while (this.ids[slot] !== -1) slot = (slot + 1) & this.mask
      this.ids[slot] = id
    }
  }

  place(slot: number, id: number) {
    this.ids[slot] = id
    this.count++
  }
}

/**
 * `text.slice(start, end)` as a string of its own. V8 makes a slice of 13 characters or more
 * a view that keeps all of `text` alive, and an interned word lives as long as its table: a
 * million abstracts stayed in memory for their long words. A concatenation is flattened into a
 * new string when sliced, so the result holds only its own characters.
 */
const ownCopy = (text: string, start: number, end: number): string =>
  end - start < 13 ? text.slice(start, end) : ` ${text.slice(start, end)}`.slice(1)

/** Distinct substrings of texts, each with an id (0, 1, …) in order of first sight. */
export class TextInterner {
  readonly values: Array<string> = []
  private readonly hashes = new Growable(new Int32Array(1024))
  private readonly slots = new Slots()

  get size(): number {
    return this.values.length
  }

  /** Id of `text.slice(start, end)`; the substring is made only the first time it is seen. */
  idOf(text: string, start: number, end: number): number {
    let hash = TEXT_HASH_START
    for (let i = start; i < end; i++) hash = textHashStep(hash, text.charCodeAt(i))
    return this.idOfHashed(text, start, end, hash)
  }

  /** `idOf` for a caller that has hashed the characters already (`TEXT_HASH_START`, `textHashStep`). */
  idOfHashed(text: string, start: number, end: number, hash: number): number {
    const length = end - start
    const { ids, mask } = this.slots
    const hashes = this.hashes.data
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = ids[slot]
      if (id === -1) break
      if (hashes[id] !== hash) continue
      const value = this.values[id]
      if (value.length === length && text.startsWith(value, start)) return id
    }
    return this.add(ownCopy(text, start, end), hash)
  }

  /** Id of a whole string. */
  intern(value: string): number {
    return this.idOf(value, 0, value.length)
  }

  private add(value: string, hash: number): number {
    this.slots.reserve((id) => this.hashes.data[id])
    const id = this.values.length
    this.values.push(value)
    this.hashes.push(hash)
    let slot = hash & this.slots.mask
    while (this.slots.ids[slot] !== -1) slot = (slot + 1) & this.slots.mask
    this.slots.place(slot, id)
    return id
  }
}

/** Distinct sequences of non-negative integers, each with an id (0, 1, …) in order of first sight. */
export class SequenceInterner {
  /** Sequence `id` is `items[starts[id]]` … `items[starts[id + 1] - 1]`. */
  readonly starts = new Growable(new Int32Array(1024))
  readonly items = new Growable(new Int32Array(4096))
  private readonly hashes = new Growable(new Int32Array(1024))
  private readonly slots = new Slots()

  constructor() {
    this.starts.push(0)
  }

  get size(): number {
    return this.starts.length - 1
  }

  /** Length of sequence `id`. */
  lengthOf(id: number): number {
    return this.starts.data[id + 1] - this.starts.data[id]
  }

  /** Id of `sequence[0]` … `sequence[length - 1]`. */
  idOf(sequence: Int32Array, length: number): number {
    let hash = FNV_OFFSET
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ sequence[i], FNV_PRIME)
    const { ids, mask } = this.slots
    const starts = this.starts.data
    const items = this.items.data
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = ids[slot]
      if (id === -1) break
      if (this.hashes.data[id] !== hash || starts[id + 1] - starts[id] !== length) continue
      let i = 0
      while (i < length && items[starts[id] + i] === sequence[i]) i++
      if (i === length) return id
    }
    return this.add(sequence, length, hash)
  }

  private add(sequence: Int32Array, length: number, hash: number): number {
    this.slots.reserve((id) => this.hashes.data[id])
    const id = this.size
    for (let i = 0; i < length; i++) this.items.push(sequence[i])
    this.starts.push(this.items.length)
    this.hashes.push(hash)
    let slot = hash & this.slots.mask
    while (this.slots.ids[slot] !== -1) slot = (slot + 1) & this.slots.mask
    this.slots.place(slot, id)
    return id
  }
}
