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

/** Slots of an open-addressing table: slot s holds a hash at 2s and its id at 2s + 1 (-1: empty). */
const emptySlots = (count: number): Int32Array => {
  const slots = new Int32Array(2 * count)
  for (let s = 1; s < slots.length; s += 2) slots[s] = -1
  return slots
}

/** Put `id` (whose value hashes to `hash`) in the first empty slot from its own. */
const placeIn = (slots: Int32Array, mask: number, hash: number, id: number) => {
  let slot = hash & mask
  while (slots[2 * slot + 1] !== -1) slot = (slot + 1) & mask
  slots[2 * slot] = hash
  slots[2 * slot + 1] = id
}

/** Twice the slots of a table of `mask + 1`, holding ids 0 … count - 1 by their `hashes`: the table grown. */
const grownSlots = (mask: number, hashes: Int32Array, count: number): Int32Array => {
  const slots = emptySlots(2 * (mask + 1))
  for (let id = 0; id < count; id++) placeIn(slots, 2 * mask + 1, hashes[id], id)
  return slots
}

/**
 * `text.slice(start, end)` as a string of its own. V8 makes a slice of 13 characters or more
 * a view that keeps all of `text` alive, and an interned word lives as long as its table: a
 * million abstracts stayed in memory for their long words. A concatenation is flattened into a
 * new string when sliced, so the result holds only its own characters.
 */
const ownCopy = (text: string, start: number, end: number): string =>
  end - start < 13 ? text.slice(start, end) : ` ${text.slice(start, end)}`.slice(1)

/**
 * Distinct substrings of texts, each with an id (0, 1, …) in order of first sight. A probe
 * reads its slot's hash and id side by side, and compares characters from one buffer of them
 * all: following each candidate's string to compare it cost a cache miss per lookup (the
 * keyphrase and vectorize passes look up every token of the corpus).
 */
export class TextInterner {
  readonly values: Array<string> = []
  /** Slot s: a hash at 2s, its id at 2s + 1 (-1: empty); at most 3/4 full. */
  private slots = emptySlots(1 << 12)
  private mask = (1 << 12) - 1
  /** Value `id`'s characters are `chars[starts[id]]` … `chars[starts[id + 1] - 1]`. */
  private chars = new Uint16Array(1 << 14)
  private readonly starts = new Growable(new Int32Array(1024))
  private readonly hashes = new Growable(new Int32Array(1024))

  constructor() {
    this.starts.push(0)
  }

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
    const { slots, mask } = this
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = slots[2 * slot + 1]
      if (id === -1) break
      if (slots[2 * slot] !== hash) continue
      const starts = this.starts.data
      const from = starts[id]
      if (starts[id + 1] - from !== length) continue
      const chars = this.chars
      let i = 0
      while (i < length && chars[from + i] === text.charCodeAt(start + i)) i++
      if (i === length) return id
    }
    return this.add(text, start, end, hash)
  }

  /** Id of a whole string. */
  intern(value: string): number {
    return this.idOf(value, 0, value.length)
  }

  private add(text: string, start: number, end: number, hash: number): number {
    const id = this.values.length
    if ((id + 1) * 4 > this.mask * 3) {
      this.slots = grownSlots(this.mask, this.hashes.data, id)
      this.mask = this.mask * 2 + 1
    }
    this.values.push(ownCopy(text, start, end))
    const from = this.starts.data[id]
    const length = end - start
    // Grown here, not a Growable: a fifth kind of typed array in Growable slowed its every use (keyphrases 4.7 → 6.4 s at 40k).
    if (from + length > this.chars.length) {
      let capacity = this.chars.length * 2
      while (capacity < from + length) capacity *= 2
      const chars = new Uint16Array(capacity)
      chars.set(this.chars.subarray(0, from))
      this.chars = chars
    }
    for (let i = 0; i < length; i++) this.chars[from + i] = text.charCodeAt(start + i)
    this.starts.push(from + length)
    this.hashes.push(hash)
    placeIn(this.slots, this.mask, hash, id)
    return id
  }
}

/** Distinct sequences of non-negative integers, each with an id (0, 1, …) in order of first sight. */
export class SequenceInterner {
  /** Sequence `id` is `items[starts[id]]` … `items[starts[id + 1] - 1]`. */
  readonly starts = new Growable(new Int32Array(1024))
  readonly items = new Growable(new Int32Array(4096))
  private readonly hashes = new Growable(new Int32Array(1024))
  /** Slot s: a hash at 2s, its id at 2s + 1 (-1: empty), as in TextInterner. */
  private slots = emptySlots(1 << 12)
  private mask = (1 << 12) - 1

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
    const { slots, mask } = this
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = slots[2 * slot + 1]
      if (id === -1) break
      if (slots[2 * slot] !== hash) continue
      const starts = this.starts.data
      const from = starts[id]
      if (starts[id + 1] - from !== length) continue
      const items = this.items.data
      let i = 0
      while (i < length && items[from + i] === sequence[i]) i++
      if (i === length) return id
    }
    return this.add(sequence, length, hash)
  }

  private add(sequence: Int32Array, length: number, hash: number): number {
    const id = this.size
    if ((id + 1) * 4 > this.mask * 3) {
      this.slots = grownSlots(this.mask, this.hashes.data, id)
      this.mask = this.mask * 2 + 1
    }
    for (let i = 0; i < length; i++) this.items.push(sequence[i])
    this.starts.push(this.items.length)
    this.hashes.push(hash)
    placeIn(this.slots, this.mask, hash, id)
    return id
  }
}
