/**
 * Keyphrases: each paper's candidate noun phrases (keyphraseCandidates.ts) scored by
 * sublinear tf × the phrase's corpus idf, longer phrases favoured; the top 10 per paper, one
 * per stem key ("language model" = "language models").
 */
import type { Paper } from "./domain.ts"
import { CandidateTable, collectCandidates, phraseKeys, phraseSurfaces, surfaceText } from "./keyphraseCandidates.ts"

export { tagTokens } from "./keyphraseWords.ts"

export const KEYPHRASES_PER_PAPER = 10

export interface Keyphrase {
  readonly phrase: string
  readonly score: number
}

/**
 * Every paper's keyphrases, best first, in flat arrays: paper p's are entries `offsets[p]` …
 * `offsets[p + 1] - 1`. A million papers' ten million keyphrases as objects and strings took
 * a gigabyte of heap until the run was stored.
 */
export interface PaperKeyphrases {
  readonly offsets: Int32Array
  /** Each entry's phrase as an index into `phrases`, which holds each distinct phrase once. */
  readonly phrase: Int32Array
  readonly score: Float64Array
  /**
   * Each entry's stems as a number, 0, 1, …, shared by the phrases with the same stems ("language
   * model", "Language Models"): what cluster labels count phrases by.
   */
  readonly key: Int32Array
  readonly phrases: ReadonlyArray<string>
}

/** Paper `paper`'s keyphrases as objects (for display and tests). */
export const keyphrasesOf = (keyphrases: PaperKeyphrases, paper: number): Array<Keyphrase> => {
  const out: Array<Keyphrase> = []
  for (let e = keyphrases.offsets[paper]; e < keyphrases.offsets[paper + 1]; e++) out.push({ phrase: keyphrases.phrases[keyphrases.phrase[e]], score: keyphrases.score[e] })
  return out
}

/**
 * Top keyphrases of each paper. `idf` comes from the corpus being processed, so a
 * phrase every paper uses ("large language models" on an LLM page) ranks below
 * the phrases that set a paper apart.
 */
export const extractKeyphrases = (
  papers: ReadonlyArray<Pick<Paper, "title" | "abstract">>,
  onProgress?: (done: number) => void
): PaperKeyphrases => {
  const table = new CandidateTable()
  collectCandidates(papers, table, onProgress)
  return scoreCandidates(table)
}

/**
 * Each paper's top keyphrases, from every paper's candidates (the idf is over all of them).
 * With `order`, the papers are the table's papers `order[0]`, `order[1]`, … (the others left
 * out): a run's table holds the papers as parsed, before duplicates were merged.
 */
export const scoreCandidates = (table: CandidateTable, order?: Int32Array): PaperKeyphrases => {
  const { entrySurface, entryWeight, offsets } = table
  const n = order?.length ?? table.papers
  const tablePaper = (p: number) => (order === undefined ? p : order[p])
  // A paper lists each key once, so a key's entries are its document frequency.
  const documentFrequency = new Int32Array(phraseKeys.size)
  for (let p = 0; p < n; p++) {
    const t = tablePaper(p)
    for (let e = offsets.data[t]; e < offsets.data[t + 1]; e++) documentFrequency[table.keyOfEntry(e)]++
  }
  // Keys and phrases numbered 0, 1, … in order of first use among the keyphrases kept.
  const keyNumber = new Int32Array(phraseKeys.size).fill(-1)
  const phraseNumber = new Int32Array(phraseSurfaces.size).fill(-1)
  const phrases: Array<string> = []
  let keys = 0
  // At most KEYPHRASES_PER_PAPER per paper: the arrays are made that long at once, and handed
  // out as views of what is filled. Grown by doubling and then copied to their length, they took
  // 430 MB rather than 160 at a million papers, at the keyphrase thread's largest.
  const capacity = n * KEYPHRASES_PER_PAPER
  const out = { offsets: new Int32Array(n + 1), phrase: new Int32Array(capacity), score: new Float64Array(capacity), key: new Int32Array(capacity) }
  let length = 0
  // A paper's best entries so far, best first: each candidate is weighed against the tenth, not sorted.
  const topRaw = new Float64Array(KEYPHRASES_PER_PAPER)
  const topEntry = new Int32Array(KEYPHRASES_PER_PAPER)
  /** Entry a (score rawA) ranks above entry b: a higher score, or the same and the alphabetically first phrase. */
  const ranksAbove = (rawA: number, a: number, rawB: number, b: number) =>
    rawA > rawB || (rawA === rawB && surfaceText(entrySurface.at(a)) < surfaceText(entrySurface.at(b)))
  for (let p = 0; p < n; p++) {
    let kept = 0
    const t = tablePaper(p)
    for (let e = offsets.data[t]; e < offsets.data[t + 1]; e++) {
      const key = table.keyOfEntry(e)
      const idf = Math.log((1 + n) / (1 + documentFrequency[key])) + 1
      const words = Math.min(phraseKeys.lengthOf(key), 127)
      const raw = (1 + Math.log(entryWeight.at(e))) * idf * (1 + 0.25 * (words - 1))
      if (kept === KEYPHRASES_PER_PAPER && !ranksAbove(raw, e, topRaw[kept - 1], topEntry[kept - 1])) continue
      let slot = Math.min(kept, KEYPHRASES_PER_PAPER - 1)
      while (slot > 0 && ranksAbove(raw, e, topRaw[slot - 1], topEntry[slot - 1])) {
        topRaw[slot] = topRaw[slot - 1]
        topEntry[slot] = topEntry[slot - 1]
        slot--
      }
      topRaw[slot] = raw
      topEntry[slot] = e
      kept = Math.min(kept + 1, KEYPHRASES_PER_PAPER)
    }
    const max = kept > 0 ? topRaw[0] : 1
    for (let i = 0; i < kept; i++) {
      const surface = entrySurface.at(topEntry[i])
      const key = table.keyOfEntry(topEntry[i])
      if (keyNumber[key] < 0) keyNumber[key] = keys++
      if (phraseNumber[surface] < 0) {
        phraseNumber[surface] = phrases.length
        phrases.push(surfaceText(surface))
      }
      out.phrase[length] = phraseNumber[surface]
      out.score[length] = Math.round((topRaw[i] / max) * 10_000) / 10_000
      out.key[length] = keyNumber[key]
      length++
    }
    out.offsets[p + 1] = length
  }
  return {
    offsets: out.offsets,
    phrase: out.phrase.subarray(0, length),
    score: out.score.subarray(0, length),
    key: out.key.subarray(0, length),
    phrases
  }
}
