/**
 * The corpus's terms as integer ids for vectorize.ts: typed-array building blocks that
 * keep a million papers' term counts out of per-paper Maps and per-bigram strings.
 */
import { Growable } from "./growable.ts"
import { TextInterner } from "./interning.ts"
import { isContentWord, stem } from "./text.ts"

/**
 * (stem id, stem id) → bigram id, open addressing over one Int32Array of slots of three:
 * the pair and its id side by side, so that a probe reads one place in memory. (A slot of
 * the id alone, with the pair read back from the index's `first` / `second`, cost three
 * scattered reads per probe: at 200,000 papers, 35 million lookups into a table of millions
 * of bigrams took 2.65 s.) A Map keyed by a number above 2^31 boxes and hashes a heap number
 * per lookup.
 */
class PairTable {
  private mask = (1 << 16) - 1
  private size = 0
  /** Slot s: first stem id at 3s, second at 3s + 1, bigram id at 3s + 2 (-1: empty). */
  private slots = PairTable.emptySlots(1 << 16)

  private static emptySlots(count: number): Int32Array {
    const slots = new Int32Array(3 * count)
    for (let s = 0; s < count; s++) slots[3 * s + 2] = -1
    return slots
  }

  private static hash(a: number, b: number): number {
    return Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)
  }

  /** The slot of (a, b), or the empty slot where it would go. */
  private slot(a: number, b: number): number {
    const { slots, mask } = this
    let slot = PairTable.hash(a, b) & mask
    while (slots[3 * slot + 2] !== -1 && (slots[3 * slot] !== a || slots[3 * slot + 1] !== b)) slot = (slot + 1) & mask
    return slot
  }

  get(a: number, b: number): number {
    return this.slots[3 * this.slot(a, b) + 2]
  }

  /** Record bigram `id` of stems a and b (not yet in the table). */
  add(a: number, b: number, id: number) {
    // Up to 3/4 full: linear probing stays short.
    if ((this.size + 1) * 4 > this.mask * 3) this.grow()
    const slot = this.slot(a, b)
    this.slots[3 * slot] = a
    this.slots[3 * slot + 1] = b
    this.slots[3 * slot + 2] = id
    this.size++
  }

  private grow() {
    const old = this.slots
    const count = (this.mask + 1) * 2
    this.mask = count - 1
    this.slots = PairTable.emptySlots(count)
    for (let s = 0; s < old.length; s += 3) {
      if (old[s + 2] === -1) continue
      let next = PairTable.hash(old[s], old[s + 1]) & this.mask
      while (this.slots[3 * next + 2] !== -1) next = (next + 1) & this.mask
      this.slots.set(old.subarray(s, s + 3), 3 * next)
    }
  }
}

/**
 * The corpus's terms as integer ids: a word maps to its stem's id once, a bigram is
 * looked up by its two stem ids. The 40k-paper profile spent its vectorize time
 * building, hashing and collecting a string per bigram and a Map per paper.
 */
export class TermIndex {
  /** Distinct lower-case words; per word, its stem's term id and how often the corpus used it. */
  private readonly words = new TextInterner()
  private readonly wordStem = new Growable(new Int32Array(1024))
  private readonly wordCount = new Growable(new Int32Array(1024))
  private readonly stemId = new Map<string, number>()
  private readonly pairs: PairTable
  /** Stem of each unigram id (bigram ids have none: their stems are `first` / `second`'s). */
  private readonly stems = new Map<number, string>()
  /** Per term id: -1 (a unigram), or a bigram's first and second stem ids. */
  readonly first = new Growable(new Int32Array(1024))
  readonly second = new Growable(new Int32Array(1024))

  constructor() {
    this.pairs = new PairTable()
  }

  get size() {
    return this.first.length
  }

  private add(first: number, second: number) {
    const id = this.first.length
    this.first.push(first)
    this.second.push(second)
    return id
  }

  /**
   * Term id of the stem of the lower-case word `text.slice(start, end)` (whose characters hash
   * to `hash`, see interning.ts), counting the word's use (for `surfaces`); -1 for a word that is
   * no term (`isContentWord`) and so breaks a run. One lookup per word of the corpus, without
   * a string for a word seen before.
   */
  wordAt(text: string, start: number, end: number, hash: number): number {
    const index = this.words.idOfHashed(text, start, end, hash)
    if (index === this.wordStem.length) {
      const word = this.words.values[index]
      let id = -1
      if (isContentWord(word)) {
        const stemmed = stem(word)
        const known = this.stemId.get(stemmed)
        if (known === undefined) {
          id = this.add(-1, -1)
          this.stemId.set(stemmed, id)
          this.stems.set(id, stemmed)
        } else {
          id = known
        }
      }
      this.wordStem.push(id)
      this.wordCount.push(0)
    }
    this.wordCount.data[index]++
    return this.wordStem.data[index]
  }

  /**
   * Per term id, the words people read for it: a stem's most used word ("diffus" →
   * "diffusion"), a bigram's two ("diffus model" → "diffusion models"). Ties go to the
   * alphabetically first word.
   */
  surfaces(): (id: number) => string {
    const best = new Int32Array(this.size).fill(-1)
    const words = this.words.values
    for (let w = 0; w < words.length; w++) {
      const id = this.wordStem.data[w]
      if (id < 0) continue
      const current = best[id]
      const count = this.wordCount.data[w]
      if (current < 0 || count > this.wordCount.data[current] || (count === this.wordCount.data[current] && words[w] < words[current])) best[id] = w
    }
    const wordOf = (id: number) => (best[id] >= 0 ? words[best[id]] : this.stems.get(id)!)
    return (id) => {
      const a = this.first.data[id]
      return a < 0 ? wordOf(id) : `${wordOf(a)} ${wordOf(this.second.data[id])}`
    }
  }

  pair(a: number, b: number): number {
    let id = this.pairs.get(a, b)
    if (id < 0) {
      id = this.add(a, b)
      this.pairs.add(a, b, id)
    }
    return id
  }

  /**
   * Distinct term ids in the order of their spellings (`term`, compared as strings), without a
   * string compared per term: stems are made of [a-z0-9], all above the space, so "a b" comes
   * after "a" and before "ab" and "a c" — the order is the first stem's, then the unigram, then
   * the bigrams by their second stem's. Only the stems are sorted as strings. (Sorting 544,000
   * spelled terms at 200,000 papers took 1.4 s.)
   */
  inSpellingOrder(ids: Int32Array): Int32Array {
    const stemIdsInOrder = [...this.stemId.keys()].sort().map((stem) => this.stemId.get(stem)!)
    const stemCount = stemIdsInOrder.length
    const rank = new Int32Array(this.size)
    stemIdsInOrder.forEach((id, r) => (rank[id] = r))
    // Unique per term, and below 2^53: (first stem's rank, 0 for the unigram or 1 + the second's rank).
    const keys = Float64Array.from(ids, (id) => {
      const a = this.first.data[id]
      return a < 0 ? rank[id] * (stemCount + 1) : rank[a] * (stemCount + 1) + 1 + rank[this.second.data[id]]
    }).sort()
    return Int32Array.from(keys, (key) => {
      const firstRank = Math.floor(key / (stemCount + 1))
      const rest = key - firstRank * (stemCount + 1)
      const first = stemIdsInOrder[firstRank]
      return rest === 0 ? first : this.pairs.get(first, stemIdsInOrder[rest - 1])
    })
  }

  /** The term's text as `terms()` spells it: "diffus" or "diffus model". */
  term(id: number): string {
    const a = this.first.data[id]
    return a < 0 ? this.stems.get(id)! : `${this.stems.get(a)} ${this.stems.get(this.second.data[id])}`
  }

  /** Id of a term spelled as `terms()` does, if the corpus has it. */
  find(term: string): number | undefined {
    const parts = term.split(" ")
    if (parts.length === 1) return this.stemId.get(parts[0])
    if (parts.length !== 2) return undefined
    const a = this.stemId.get(parts[0])
    const b = this.stemId.get(parts[1])
    if (a === undefined || b === undefined) return undefined
    const id = this.pairs.get(a, b)
    return id < 0 ? undefined : id
  }
}

