/**
 * Keyphrase candidates: the noun phrases of each paper (adjectives and nouns, 1–4 words, no
 * stop word at either edge, from natural's Brill tags), known by integer ids of their stems
 * (the key) and of their words as written (the surface), and counted per paper.
 */
import type { Paper } from "./domain.ts"
import { ChunkedCounts, ChunkedInts, Growable } from "./growable.ts"
import { SequenceInterner } from "./interning.ts"
import { hasLetter, isStopToken, keyPartsOf, scanTaggedWords, stemWords, surfaceOf, surfaceWords, tagName, tokenPhrase, tokenText } from "./keyphraseWords.ts"

const MAX_PHRASE_WORDS = 4

/** Tags that may sit inside a noun phrase; `N` is the tagger's tag for unknown words. */
const PHRASE_TAGS = new Set(["JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "N", "VBG", "FW"])
const HEAD_TAGS = new Set(["NN", "NNS", "NNP", "NNPS", "N", "VBG", "FW"])
/** Per tag id (keyphraseWords.ts): IN_PHRASE | HEAD, or 0; worked out the first time the tag is seen. */
const IN_PHRASE = 1
const HEAD = 2
const tagKinds: Array<number> = []
const kindOf = (tag: number): number =>
  (tagKinds[tag] ??= (PHRASE_TAGS.has(tagName(tag)) ? IN_PHRASE : 0) | (HEAD_TAGS.has(tagName(tag)) ? HEAD : 0))

/**
 * Phrases by their words' ids: a phrase's key is the stem ids of its words (in `stemWords`),
 * its surface the surface ids (in `surfaceWords`). A million papers' 30 million candidates
 * are then lookups of a few integers, not strings built and hashed.
 */
export const phraseKeys = new SequenceInterner()
export const phraseSurfaces = new SequenceInterner()
/** Per surface id, its key id (-1: none). */
const keyOfSurface = new Growable(new Int32Array(1 << 16))
const surfaceTexts: Array<string> = []

const joined = (phrases: SequenceInterner, id: number, words: ReadonlyArray<string>): string => {
  const { items, starts } = phrases
  let text = words[items.data[starts.data[id]]]
  for (let i = starts.data[id] + 1; i < starts.data[id + 1]; i++) text += ` ${words[items.data[i]]}`
  return text
}

/** A surface phrase's text: its words joined by single spaces. */
export const surfaceText = (id: number): string => (surfaceTexts[id] ??= joined(phraseSurfaces, id, surfaceWords.values))

export interface Candidate {
  readonly key: string
  readonly surface: string
}

/** Noun-phrase candidates of one text, in order of appearance. */
export const candidatePhrases = (text: string): Array<Candidate> => {
  const out: Array<Candidate> = []
  forEachCandidate(text, (key, surface) => out.push({ key: joined(phraseKeys, key, stemWords.values), surface: surfaceText(surface) }))
  return out
}

/** The run of phrase words being read (token ids, reused), and the buffers a candidate's ids are gathered in. */
const run = new Growable(new Int32Array(256))
const runTags = new Growable(new Int32Array(256))
let keyBuffer = new Int32Array(64)
const surfaceBuffer = new Int32Array(MAX_PHRASE_WORDS)

/** Key id of the phrase `run.data[first]` … `run.data[end - 1]`: its words' stemmed parts; -1 when it has none. */
const keyOf = (first: number, end: number): number => {
  let keyLength = 0
  for (let i = first; i < end; i++) {
    const parts = keyPartsOf(run.data[i])
    if (keyLength + parts.length > keyBuffer.length) {
      const larger = new Int32Array(2 * (keyLength + parts.length))
      larger.set(keyBuffer)
      keyBuffer = larger
    }
    keyBuffer.set(parts, keyLength)
    keyLength += parts.length
  }
  return keyLength > 0 ? phraseKeys.idOf(keyBuffer, keyLength) : -1
}

/** Each noun-phrase candidate of a text, in order of appearance, as its key id and surface id. */
const forEachCandidate = (text: string, onCandidate: (key: number, surface: number) => void) => {
  const flush = () => {
    if (run.length === 0) return
    let start = 0
    let end = run.length
    run.length = 0
    runTags.length = 0
    const words = run.data
    while (start < end && (isStopToken(words[start]) || !hasLetter(words[start]))) start++
    while (end > start && (isStopToken(words[end - 1]) || (kindOf(runTags.data[end - 1]) & HEAD) === 0)) end--
    if (end <= start) return
    // Long runs keep their last words: English noun phrases put the head at the end.
    const first = Math.max(start, end - MAX_PHRASE_WORDS)
    if (end - first === 1 && tokenText(words[first]).length < 3) return
    // A one-word phrase's id is kept with its token: about half the candidates, no lookup.
    let surface = end - first === 1 ? tokenPhrase.data[words[first]] : -1
    if (surface < 0) {
      for (let i = first; i < end; i++) surfaceBuffer[i - first] = surfaceOf(words[i])
      surface = phraseSurfaces.idOf(surfaceBuffer, end - first)
      if (end - first === 1) tokenPhrase.data[words[first]] = surface
    }
    // A surface's key is its words' stemmed parts: worked out the first time the surface is seen.
    while (keyOfSurface.length <= surface) keyOfSurface.push(keyOf(first, end))
    if (keyOfSurface.data[surface] >= 0) onCandidate(keyOfSurface.data[surface], surface)
  }
  scanTaggedWords(text, (token, tag) => {
    if ((kindOf(tag) & IN_PHRASE) !== 0 && hasLetter(token)) {
      run.push(token)
      runTags.push(tag)
    } else {
      flush()
    }
  }, flush)
}

/** The surface form used most often in a paper; ties go to the alphabetically first text, for determinism. */
const mostUsed = (surfaces: Map<number, number>): number => {
  let best = -1
  let bestText = ""
  let bestCount = -1
  for (const [surface, count] of surfaces) {
    if (count < bestCount) continue
    const text = surfaceText(surface)
    if (count > bestCount || text < bestText) {
      best = surface
      bestText = text
      bestCount = count
    }
  }
  return best
}

/**
 * Every paper's candidate phrases in flat arrays: paper p's entries are `offsets[p]` …
 * `offsets[p + 1] - 1`, each the id of the surface form the paper used most and its weighted
 * count in the paper; the phrase's key is its surface's (`keyOfEntry`). A million papers' 30
 * million candidates as JS arrays of strings filled the heap and its collections.
 */
export class CandidateTable {
  readonly offsets = new Growable(new Int32Array(1024))
  readonly entrySurface = new ChunkedInts()
  /** Weighted counts are whole numbers (2 per use in the title, 1 in the abstract). */
  readonly entryWeight = new ChunkedCounts()

  constructor() {
    this.offsets.push(0)
  }

  get papers(): number {
    return this.offsets.length - 1
  }

  /** A paper's candidate: its surface id (whose key is the candidate's) and weighted count. */
  add(surface: number, weight: number) {
    this.entrySurface.push(surface)
    this.entryWeight.push(weight)
  }

  /** Entry e's phrase key id: a surface has one key, so the table keeps only the surface (184 MB less at a million papers). */
  keyOfEntry(e: number): number {
    return keyOfSurface.data[this.entrySurface.at(e)]
  }

  endPaper() {
    this.offsets.push(this.entrySurface.length)
  }
}

/**
 * One paper's candidates by key, in order of first appearance, without an object per key:
 * slot i holds a key, its weighted count, its first surface and how often that surface was
 * used, until a second surface appears; from then on `surfaces[i]` counts them all. Keys find
 * their slot through `slotOf`, valid while `stampOf` holds this paper's stamp.
 */
class PaperCounts {
  private slotOf = new Int32Array(1 << 16)
  private stampOf = new Int32Array(1 << 16)
  /** Stamps start at 1: a key never seen has stamp 0. */
  private stamp = 1
  size = 0
  readonly key = new Growable(new Int32Array(256))
  readonly count = new Growable(new Float64Array(256))
  readonly surface = new Growable(new Int32Array(256))
  readonly uses = new Growable(new Int32Array(256))
  readonly surfaces: Array<Map<number, number> | undefined> = []

  add(key: number, surface: number, weight: number) {
    if (key >= this.slotOf.length) this.grow(key)
    if (this.stampOf[key] === this.stamp) {
      const slot = this.slotOf[key]
      this.count.data[slot] += weight
      const surfaces = this.surfaces[slot]
      if (surfaces === undefined) {
        if (surface === this.surface.data[slot]) {
          this.uses.data[slot]++
          return
        }
        this.surfaces[slot] = new Map([[this.surface.data[slot], this.uses.data[slot]], [surface, 1]])
        return
      }
      surfaces.set(surface, (surfaces.get(surface) ?? 0) + 1)
      return
    }
    const slot = this.size++
    this.stampOf[key] = this.stamp
    this.slotOf[key] = slot
    this.key.push(key)
    this.count.push(weight)
    this.surface.push(surface)
    this.uses.push(1)
    this.surfaces[slot] = undefined
  }

  /** Forget this paper's keys (a new stamp) for the next paper. */
  clear() {
    this.size = 0
    this.stamp++
    for (const column of [this.key, this.count, this.surface, this.uses]) column.length = 0
  }

  private grow(key: number) {
    let length = this.slotOf.length * 2
    while (length <= key) length *= 2
    const slotOf = new Int32Array(length)
    const stampOf = new Int32Array(length)
    slotOf.set(this.slotOf)
    stampOf.set(this.stampOf)
    this.slotOf = slotOf
    this.stampOf = stampOf
  }
}

/**
 * Append each paper's candidates to `table` as soon as it is read: a Map per paper (and one
 * per phrase for its surface forms) kept for the whole corpus was most of this stage's
 * garbage-collection time in the 40k profile.
 */
export const collectCandidates = (
  papers: ReadonlyArray<Pick<Paper, "title" | "abstract">>,
  table: CandidateTable,
  onProgress?: (done: number) => void
): void => {
  const counts = new PaperCounts()
  let weight = 0
  const add = (key: number, surface: number) => counts.add(key, surface, weight)
  papers.forEach((paper, index) => {
    if (onProgress !== undefined && (index & 1023) === 1023) onProgress(index + 1)
    // A title's phrases count twice.
    weight = 2
    forEachCandidate(paper.title, add)
    weight = 1
    forEachCandidate(paper.abstract, add)
    for (let slot = 0; slot < counts.size; slot++) {
      const surfaces = counts.surfaces[slot]
      // Every surface counted in a slot has the slot's key.
      table.add(surfaces === undefined ? counts.surface.data[slot] : mostUsed(surfaces), counts.count.data[slot])
    }
    table.endPaper()
    counts.clear()
  })
}
