/**
 * Keyphrases: candidate noun phrases (adjectives and nouns, 1–4 words, no stop word
 * at either edge) found with natural's Brill POS tagger, scored per paper by
 * sublinear tf × the phrase's corpus idf, longer phrases favoured; the top 10 per
 * paper, one per stem key ("language model" = "language models").
 */
import { createRequire } from "node:module"
import type { Paper } from "./domain.ts"
import { Growable } from "./termIndex.ts"
import { isStopWord, phraseKey } from "./text.ts"

const require = createRequire(import.meta.url)
interface TaggedWord { token: string; tag: string }
interface Sentence { readonly taggedWords: Array<TaggedWord> }
interface Rule {
  readonly predicate: { readonly name: string; readonly parameter1?: string }
  apply(sentence: Sentence, position: number): void
}
interface BrillTagger {
  tag(words: ReadonlyArray<string>): Sentence
  readonly lexicon: { tagWord(word: string): ReadonlyArray<string> }
  readonly ruleSet: { getRules(): ReadonlyArray<Rule> }
}
const brill: {
  Lexicon: new(language: string, defaultCategory: string, defaultCategoryCapitalized: string) => unknown
  RuleSet: new(language: string) => unknown
  BrillPOSTagger: new(lexicon: unknown, rules: unknown) => BrillTagger
} = require("natural/lib/natural/brill_pos_tagger")

/** What the memoised tagger below can reproduce: rules that see the word and the previous word's tag ("DT") or word ("would"). */
const isMemoisable = (rule: Rule): boolean => {
  const { name, parameter1 } = rule.predicate
  return ["CURRENT-WORD-IS-NUMBER", "CURRENT-WORD-IS-URL", "CURRENT-WORD-ENDS-WITH"].includes(name) ||
    (name === "PREV-TAG" && parameter1 === "DT") || (name === "PREV-WORD-IS" && parameter1 === "would")
}

let tagger: { readonly brill: BrillTagger; readonly rules: ReadonlyArray<Rule>; readonly memoisable: boolean } | undefined
const getTagger = () => {
  // The lexicon takes ~80 ms to load: only when keyphrases are asked for.
  if (tagger === undefined) {
    const instance = new brill.BrillPOSTagger(new brill.Lexicon("EN", "N", "NNP"), new brill.RuleSet("EN"))
    const rules = instance.ruleSet.getRules()
    tagger = { brill: instance, rules, memoisable: rules.every(isMemoisable) }
  }
  return tagger
}

/**
 * Brill tags of a sentence, the same as natural's `BrillPOSTagger.tag`, memoised. natural's
 * English rules (tr_from_posjs) look only at the word itself, the previous word ("would") and
 * the previous word's final tag ("DT"), and the tagger applies them left to right: a word's tag
 * is a function of (word, previous tag is DT, previous word is "would"). The profile of a 40k-paper
 * run spent most of the keyphrase stage in the rule loop; a corpus repeats few distinct words.
 */
interface WordInfo {
  /** Tag in each context: previous tag DT (+1), previous word "would" (+2). */
  readonly tags: Array<string | undefined>
  readonly lexiconTag: string
  /** The word as a phrase spells it: capitalised words lower-cased, acronyms kept. */
  readonly surface: string
  readonly isStop: boolean
  readonly hasLetter: boolean
  readonly isWould: boolean
  /** The word's stemmed parts (`phraseKey` of its surface, split), as interned ids in two UTF-16 units each; computed on first use. */
  keyCode: string | undefined
  /** The surface's interned id in two UTF-16 units. */
  surfaceCode: string
}

/**
 * Interned strings, each with a code of two UTF-16 units: a phrase is then known by its words'
 * codes concatenated, a string of 2–8 units, instead of by its text. Equal texts have equal codes
 * (stems and surfaces hold no space, and a phrase joins them with single spaces).
 */
class Codes {
  private readonly ids = new Map<string, number>()
  readonly values: Array<string> = []
  codeOf(value: string): string {
    let id = this.ids.get(value)
    if (id === undefined) {
      id = this.values.length
      this.values.push(value)
      this.ids.set(value, id)
    }
    return String.fromCharCode(id & 0xffff, id >>> 16)
  }
  /** The texts of a code string, joined with single spaces. */
  text(code: string): string {
    let out = ""
    for (let c = 0; c < code.length; c += 2) {
      const value = this.values[code.charCodeAt(c) | (code.charCodeAt(c + 1) << 16)]
      out = c === 0 ? value : `${out} ${value}`
    }
    return out
  }
}
const stemCodes = new Codes()
const surfaceCodes = new Codes()

/** Codes of a word's stemmed parts: "x-ray" → the codes of "x" and "ray". */
const keyCodeOf = (info: WordInfo): string => {
  if (info.keyCode === undefined) {
    const key = phraseKey(info.surface)
    info.keyCode = key.length === 0 ? "" : key.split(" ").map((part) => stemCodes.codeOf(part)).join("")
  }
  return info.keyCode
}

// One entry per distinct token, with everything the phrase finder asks of it: looked up once
// per token instead of one lower-casing, stop-word lookup and regex test per use.
const wordCache = new Map<string, WordInfo>()
const infoOf = (token: string): WordInfo => {
  let info = wordCache.get(token)
  if (info === undefined) {
    const lower = token.toLowerCase()
    const surface = /^[A-Z][a-z]/.test(token) ? lower : token
    info = {
      tags: [undefined, undefined, undefined, undefined],
      lexiconTag: getTagger().brill.lexicon.tagWord(token)[0],
      surface,
      isStop: isStopWord(lower),
      hasLetter: /[A-Za-z]/.test(token),
      isWould: lower === "would",
      keyCode: undefined,
      surfaceCode: surfaceCodes.codeOf(surface)
    }
    if (wordCache.size < 2_000_000) wordCache.set(token, info)
  }
  return info
}

const tagOf = (token: string, info: WordInfo, previousIsDt: boolean, previousIsWould: boolean): string => {
  const slot = (previousIsDt ? 1 : 0) + (previousIsWould ? 2 : 0)
  let tag = info.tags[slot]
  if (tag === undefined) {
    // A two-word sentence whose first word carries exactly the context the rules can see.
    const sentence: Sentence = {
      taggedWords: [{ token: previousIsWould ? "would" : "", tag: previousIsDt ? "DT" : "" }, { token, tag: info.lexiconTag }]
    }
    for (const rule of getTagger().rules) rule.apply(sentence, 1)
    tag = sentence.taggedWords[1].tag
    info.tags[slot] = tag
  }
  return tag
}

type Tagged = { readonly info: WordInfo; readonly token: string; readonly tag: string }

/** Tags of a sentence's tokens, as natural's Brill tagger gives them, with each word's cached facts. */
const tagWithInfo = (tokens: ReadonlyArray<string>): Array<Tagged> => {
  // A natural release with other kinds of rules: its own (slower) tagger, same output.
  if (!getTagger().memoisable) return getTagger().brill.tag(tokens).taggedWords.map(({ tag, token }) => ({ info: infoOf(token), token, tag }))
  const out: Array<Tagged> = []
  let previousIsDt = false
  let previousIsWould = false
  for (const token of tokens) {
    const info = infoOf(token)
    const tag = tagOf(token, info, previousIsDt, previousIsWould)
    out.push({ info, token, tag })
    previousIsDt = tag === "DT"
    previousIsWould = info.isWould
  }
  return out
}

/** Tags of a sentence's tokens, as natural's Brill tagger gives them. */
export const tagTokens = (tokens: ReadonlyArray<string>): Array<TaggedWord> => tagWithInfo(tokens).map(({ tag, token }) => ({ token, tag }))

export const KEYPHRASES_PER_PAPER = 10
const MAX_PHRASE_WORDS = 4

/** Tags that may sit inside a noun phrase; `N` is the tagger's tag for unknown words. */
const PHRASE_TAGS = new Set(["JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "N", "VBG", "FW"])
const HEAD_TAGS = new Set(["NN", "NNS", "NNP", "NNPS", "N", "VBG", "FW"])

const SENTENCE_END = /(?<=[.!?])\s+(?=[A-Z0-9])/
const TOKEN = /[A-Za-z0-9][A-Za-z0-9'-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]/g

export interface Candidate {
  readonly key: string
  readonly surface: string
}

/** A candidate as its codes (see `Codes`): `key` of its stemmed words, `surface` of its words as written. */
interface CodedCandidate {
  readonly key: string
  readonly surface: string
}

/** Noun-phrase candidates of one text, in order of appearance. */
export const candidatePhrases = (text: string): Array<Candidate> =>
  codedCandidates(text).map(({ key, surface }) => ({ key: stemCodes.text(key), surface: surfaceCodes.text(surface) }))

const codedCandidates = (text: string): Array<CodedCandidate> => {
  const out: Array<CodedCandidate> = []
  const flush = (words: Array<Tagged>) => {
    let start = 0
    let end = words.length
    while (start < end && (words[start].info.isStop || !words[start].info.hasLetter)) start++
    while (end > start && (words[end - 1].info.isStop || !HEAD_TAGS.has(words[end - 1].tag))) end--
    if (end <= start) return
    // Long runs keep their last words: English noun phrases put the head at the end.
    const first = Math.max(start, end - MAX_PHRASE_WORDS)
    if (end - first === 1 && words[first].token.length < 3) return
    let surface = ""
    let key = ""
    for (let i = first; i < end; i++) {
      surface += words[i].info.surfaceCode
      key += keyCodeOf(words[i].info)
    }
    if (key.length > 0) out.push({ key, surface })
  }
  for (const sentence of text.split(SENTENCE_END)) {
    const tokens = sentence.match(TOKEN) ?? []
    if (tokens.length === 0) continue
    let run: Array<Tagged> = []
    for (const word of tagWithInfo(tokens)) {
      if (PHRASE_TAGS.has(word.tag) && word.info.hasLetter) {
        run.push(word)
      } else {
        flush(run)
        run = []
      }
    }
    flush(run)
  }
  return out
}

/** The surface form (a code) used most often in a paper; ties go to the alphabetically first text, for determinism. */
const mostUsed = (surfaces: Map<string, number>): string => {
  let best = ""
  let bestText = ""
  let bestCount = -1
  for (const [surface, count] of surfaces) {
    if (count < bestCount) continue
    const text = surfaceCodes.text(surface)
    if (count > bestCount || text < bestText) {
      best = surface
      bestText = text
      bestCount = count
    }
  }
  return best
}

export interface Keyphrase {
  readonly phrase: string
  readonly score: number
}

/**
 * Every paper's candidate phrases in flat arrays: paper p's entries are `offsets[p]` …
 * `offsets[p + 1] - 1`, each a phrase key id, its weighted count in the paper, and the id of
 * the surface form the paper used most. Keys and surfaces are stored once each: a million
 * papers' 30 million candidates as JS arrays of strings filled the heap and its collections.
 */
export class CandidateTable {
  private readonly keyIds = new Map<string, number>()
  /** Words in each key. */
  readonly keyWords = new Growable(new Int8Array(1 << 16))
  private readonly phraseIds = new Map<string, number>()
  readonly phrases: Array<string> = []
  readonly offsets = new Growable(new Int32Array(1024))
  readonly entryKey = new Growable(new Int32Array(1 << 16))
  readonly entryWeight = new Growable(new Float64Array(1 << 16))
  readonly entryPhrase = new Growable(new Int32Array(1 << 16))

  constructor() {
    this.offsets.push(0)
  }

  get papers(): number {
    return this.offsets.length - 1
  }

  /** A paper's candidate: its key and surface as codes (see `Codes`), and its weighted count. */
  add(key: string, weight: number, surface: string) {
    let keyId = this.keyIds.get(key)
    if (keyId === undefined) {
      keyId = this.keyWords.length
      this.keyWords.push(Math.min(key.length / 2, 127))
      this.keyIds.set(key, keyId)
    }
    let phraseId = this.phraseIds.get(surface)
    if (phraseId === undefined) {
      phraseId = this.phrases.length
      this.phrases.push(surfaceCodes.text(surface))
      this.phraseIds.set(surface, phraseId)
    }
    this.entryKey.push(keyId)
    this.entryWeight.push(weight)
    this.entryPhrase.push(phraseId)
  }

  endPaper() {
    this.offsets.push(this.entryKey.length)
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
  papers.forEach((paper, index) => {
    if (onProgress !== undefined && (index & 1023) === 1023) onProgress(index + 1)
    // `uses` counts the first surface form until a second one appears; then `surfaces` counts them all.
    const counts = new Map<string, { count: number; surface: string; uses: number; surfaces: Map<string, number> | undefined }>()
    const add = (candidates: Array<CodedCandidate>, weight: number) => {
      for (const { key, surface } of candidates) {
        const entry = counts.get(key)
        if (entry === undefined) {
          counts.set(key, { count: weight, surface, uses: 1, surfaces: undefined })
          continue
        }
        entry.count += weight
        if (entry.surfaces === undefined) {
          if (surface === entry.surface) {
            entry.uses++
            continue
          }
          entry.surfaces = new Map([[entry.surface, entry.uses]])
        }
        entry.surfaces.set(surface, (entry.surfaces.get(surface) ?? 0) + 1)
      }
    }
    add(codedCandidates(paper.title), 2)
    add(codedCandidates(paper.abstract), 1)
    for (const [key, entry] of counts) table.add(key, entry.count, entry.surfaces === undefined ? entry.surface : mostUsed(entry.surfaces))
    table.endPaper()
  })
}

/**
 * Top keyphrases of each paper. `idf` comes from the corpus being processed, so a
 * phrase every paper uses ("large language models" on an LLM page) ranks below
 * the phrases that set a paper apart.
 */
export const extractKeyphrases = (
  papers: ReadonlyArray<Pick<Paper, "title" | "abstract">>,
  onProgress?: (done: number) => void
): Array<ReadonlyArray<Keyphrase>> => {
  const table = new CandidateTable()
  collectCandidates(papers, table, onProgress)
  return scoreCandidates(table)
}

/** Each paper's top keyphrases, from every paper's candidates (the idf is over all of them). */
export const scoreCandidates = (table: CandidateTable): Array<ReadonlyArray<Keyphrase>> => {
  const { entryKey, entryPhrase, entryWeight, keyWords, offsets, phrases } = table
  // A paper lists each key once, so a key's entries are its document frequency.
  const documentFrequency = new Int32Array(keyWords.length)
  for (let e = 0; e < entryKey.length; e++) documentFrequency[entryKey.data[e]]++
  const words = keyWords.data
  const n = table.papers
  return Array.from({ length: n }, (_, p) => {
    const scored: Array<{ phrase: string; raw: number }> = []
    for (let e = offsets.data[p]; e < offsets.data[p + 1]; e++) {
      const keyId = entryKey.data[e]
      const idf = Math.log((1 + n) / (1 + documentFrequency[keyId])) + 1
      const raw = (1 + Math.log(entryWeight.data[e])) * idf * (1 + 0.25 * (words[keyId] - 1))
      scored.push({ phrase: phrases[entryPhrase.data[e]], raw })
    }
    scored.sort((a, b) => b.raw - a.raw || (a.phrase < b.phrase ? -1 : 1))
    const top = scored.slice(0, KEYPHRASES_PER_PAPER)
    const max = top[0]?.raw ?? 1
    return top.map(({ phrase, raw }) => ({ phrase, score: Math.round((raw / max) * 10_000) / 10_000 }))
  })
}
