/**
 * The one pass over a corpus's texts that vectorising makes: each paper's distinct terms
 * (unigrams and bigrams of stemmed content words, as `terms()` gives them) and their weighted
 * counts, in typed arrays, for `weighTerms` (vectorize.ts) to turn into TF-IDF rows.
 */
import type { Paper } from "./domain.ts"
import { Growable } from "./growable.ts"
import { TermIndex } from "./termIndex.ts"
import { scanWordSpans } from "./text.ts"
import type { VectorizeOptions } from "./vectorize.ts"

const CHUNK_BITS = 22
const CHUNK = 1 << CHUNK_BITS
/**
 * Chunks (32 MB each) let go between collections while the rows are built: the rows fill as the
 * counts empty, but the counts' memory comes back only when collected, and building the rows
 * allocates next to nothing that would make V8 collect. At a million papers (1.1 GB of counts
 * beside 1.1 GB of rows) the run's peak was there.
 */
const COLLECT_EVERY = 8

/** (term id, weighted count) pairs appended in chunks of 4M; read by position, released from the front. */
export class RawEntries {
  length = 0
  private readonly ids: Array<Int32Array | undefined> = []
  private readonly counts: Array<Float32Array | undefined> = []

  push(id: number, count: number) {
    const offset = this.length & (CHUNK - 1)
    if (offset === 0) {
      this.ids.push(new Int32Array(CHUNK))
      this.counts.push(new Float32Array(CHUNK))
    }
    const chunk = this.length >>> CHUNK_BITS
    this.ids[chunk]![offset] = id
    this.counts[chunk]![offset] = count
    this.length++
  }

  /**
   * Visit the entries in order, chunk by chunk, each chunk let go once visited: `visit` gets a
   * run of a row's entries (`ids` / `counts` from … to - 1, one run per chunk the row spans),
   * `endOfRow` follows a row's last run (`rowEnds`: each row's end, ascending; a row without
   * entries gets no run). `collect`, if given, is called after every `COLLECT_EVERY` chunks
   * let go: nothing else may collect them meanwhile.
   */
  drain(
    rowEnds: Float64Array,
    visit: (ids: Int32Array, counts: Float32Array, from: number, to: number) => void,
    endOfRow: () => void,
    collect?: () => void
  ) {
    let chunk = 0
    let position = 0
    for (let row = 1; row < rowEnds.length; row++) {
      const end = rowEnds[row]
      while (position < end) {
        const first = chunk * CHUNK
        const to = Math.min(end, first + CHUNK)
        visit(this.ids[chunk]!, this.counts[chunk]!, position - first, to - first)
        position = to
        if (position === first + CHUNK) {
          this.ids[chunk] = undefined
          this.counts[chunk] = undefined
          chunk++
          if (collect !== undefined && chunk % COLLECT_EVERY === 0) collect()
        }
      }
      endOfRow()
    }
    this.ids.fill(undefined)
    this.counts.fill(undefined)
  }

  forEachId(visit: (id: number) => void) {
    for (let chunk = 0; chunk * CHUNK < this.length; chunk++) {
      const ids = this.ids[chunk]!
      const size = Math.min(CHUNK, this.length - chunk * CHUNK)
      for (let i = 0; i < size; i++) visit(ids[i])
    }
  }
}

/**
 * One paper's weighted count per term id, in a small open-addressing table (linear probing, at
 * most half full, grown for a long paper): a paper has a few hundred distinct terms, and a count
 * per term id of the corpus (millions of them, most rare bigrams) cost a cache miss per rare term.
 */
class PaperCounts {
  private mask = (1 << 10) - 1
  private ids = new Int32Array(this.mask + 1).fill(-1)
  private counts = new Float64Array(this.mask + 1)
  /** The used slots, in the order their terms were first counted. */
  private readonly used = new Growable(new Int32Array(512))

  /** The slot a term's probe starts at. */
  private static home(id: number, mask: number): number {
    return Math.imul(id, 0x9e3779b1) >>> 16 & mask
  }

  add(id: number, weight: number) {
    const { ids, mask } = this
    let slot = PaperCounts.home(id, mask)
    while (ids[slot] !== id) {
      if (ids[slot] === -1) {
        ids[slot] = id
        this.counts[slot] = weight
        this.used.push(slot)
        if (this.used.length * 2 > mask) this.grow()
        return
      }
      slot = (slot + 1) & mask
    }
    this.counts[slot] += weight
  }

  /** Every term counted, in the order first counted, to `raw`; the table emptied. */
  drainInto(raw: RawEntries) {
    const { ids, counts, used } = this
    for (let u = 0; u < used.length; u++) {
      const slot = used.data[u]
      raw.push(ids[slot], counts[slot])
      ids[slot] = -1
    }
    used.length = 0
  }

  private grow() {
    const [oldIds, oldCounts, oldUsed] = [this.ids, this.counts, Int32Array.from(this.used.data.subarray(0, this.used.length))]
    this.mask = this.mask * 2 + 1
    this.ids = new Int32Array(this.mask + 1).fill(-1)
    this.counts = new Float64Array(this.mask + 1)
    this.used.length = 0
    for (const slot of oldUsed) {
      let next = PaperCounts.home(oldIds[slot], this.mask)
      while (this.ids[next] !== -1) next = (next + 1) & this.mask
      this.ids[next] = oldIds[slot]
      this.counts[next] = oldCounts[slot]
      this.used.push(next)
    }
  }
}

/** Every paper's distinct terms and their weighted counts: the pass over the texts (`countTerms`). */
export interface TermCounts {
  readonly papers: number
  readonly index: TermIndex
  readonly raw: RawEntries
  readonly rawOffsets: Float64Array
}

/**
 * The one pass over the papers' texts: each paper's terms counted. Apart from `weighTerms`, so
 * that a caller can let the texts go before the vectors are built (at a million papers, 2 GB of
 * texts beside the vectors being built made the run's peak).
 */
export const countTerms = (
  papers: ReadonlyArray<Paper>,
  options: Pick<VectorizeOptions, "titleWeight">,
  onProgress?: (done: number) => void,
  /** Empty `papers` as they are counted: the caller's own array, no longer needed (see `HandedPapers`). */
  letGo = false,
  /**
   * With `letGo`, a collection that gives back the memory of the papers counted so far, run as each
   * quarter of them is: the counts grow outside the heap, and a heap's freed pages wait for reuse.
   */
  collectAlong?: () => void
): TermCounts => {
  const n = papers.length
  // The quarters of the papers (1-3) collected so far.
  let quartersCollected = 0
  const index = new TermIndex()
  // Every paper's distinct term ids and weighted counts, concatenated (CSR over term ids), in
  // fixed-size chunks: no doubling copies, and each chunk is let go once the rows are built.
  const rawOffsets = new Float64Array(n + 1)
  const raw = new RawEntries()
  const paperCounts = new PaperCounts()
  // The same terms, in the same order, as `terms()`: a unigram per content word, a bigram per
  // pair of adjacent content words with different stems; one lookup per word, which also says
  // whether the word breaks the run (`contentRuns`' arrays of words were most of this stage's profile).
  let previous = -1
  let weight = 1
  const addWord = (lower: string, start: number, end: number, hash: number) => {
    const id = index.wordAt(lower, start, end, hash)
    if (id < 0) {
      previous = -1
      return
    }
    paperCounts.add(id, weight)
    if (previous >= 0 && previous !== id) paperCounts.add(index.pair(previous, id), weight)
    previous = id
  }
  const endRun = () => (previous = -1)
  const addText = (text: string, textWeight: number) => {
    previous = -1
    weight = textWeight
    scanWordSpans(text, addWord, endRun)
  }
  for (let r = 0; r < n; r++) {
    addText(papers[r].title, options.titleWeight)
    addText(papers[r].abstract, 1)
    if (letGo) {
      (papers as Array<Paper | undefined>)[r] = undefined
      if (quartersCollected < 3 && r + 1 === Math.floor(((quartersCollected + 1) * n) / 4)) {
        collectAlong?.()
        quartersCollected++
      }
    }
    paperCounts.drainInto(raw)
    rawOffsets[r + 1] = raw.length
    if (onProgress !== undefined && (r & 1023) === 1023) onProgress(r + 1)
  }
  return { papers: n, index, raw, rawOffsets }
}
