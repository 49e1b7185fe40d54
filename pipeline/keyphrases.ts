/**
 * Keyphrases: candidate noun phrases (adjectives and nouns, 1–4 words, no stop word
 * at either edge) found with natural's Brill POS tagger, scored per paper by
 * sublinear tf × the phrase's corpus idf, longer phrases favoured; the top 10 per
 * paper, one per stem key ("language model" = "language models").
 */
import { createRequire } from "node:module"
import type { Paper } from "./domain.ts"
import { isStopWord, phraseKey } from "./text.ts"

const require = createRequire(import.meta.url)
interface TaggedWord { readonly token: string; readonly tag: string }
interface BrillTagger { tag(words: ReadonlyArray<string>): { taggedWords: ReadonlyArray<TaggedWord> } }
const brill: {
  Lexicon: new(language: string, defaultCategory: string, defaultCategoryCapitalized: string) => unknown
  RuleSet: new(language: string) => unknown
  BrillPOSTagger: new(lexicon: unknown, rules: unknown) => BrillTagger
} = require("natural/lib/natural/brill_pos_tagger")

let tagger: BrillTagger | undefined
const getTagger = (): BrillTagger => {
  // The lexicon takes ~80 ms to load: only when keyphrases are asked for.
  tagger ??= new brill.BrillPOSTagger(new brill.Lexicon("EN", "N", "NNP"), new brill.RuleSet("EN"))
  return tagger
}

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

/** Noun-phrase candidates of one text, in order of appearance. */
export const candidatePhrases = (text: string): Array<Candidate> => {
  const out: Array<Candidate> = []
  const flush = (words: Array<TaggedWord>) => {
    let start = 0
    let end = words.length
    while (start < end && (isStopWord(words[start].token.toLowerCase()) || !/[a-z]/i.test(words[start].token))) start++
    while (end > start && (isStopWord(words[end - 1].token.toLowerCase()) || !HEAD_TAGS.has(words[end - 1].tag))) end--
    if (end <= start) return
    // Long runs keep their last words: English noun phrases put the head at the end.
    const phraseWords = words.slice(Math.max(start, end - MAX_PHRASE_WORDS), end)
    if (phraseWords.length === 1 && phraseWords[0].token.length < 3) return
    const surface = phraseWords.map((word) => (/^[A-Z][a-z]/.test(word.token) ? word.token.toLowerCase() : word.token)).join(" ")
    const key = phraseKey(surface)
    if (key.length > 0) out.push({ key, surface })
  }
  for (const sentence of text.split(SENTENCE_END)) {
    const tokens = sentence.match(TOKEN) ?? []
    if (tokens.length === 0) continue
    let run: Array<TaggedWord> = []
    for (const word of getTagger().tag(tokens).taggedWords) {
      if (PHRASE_TAGS.has(word.tag) && /[A-Za-z]/.test(word.token)) {
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

export interface Keyphrase {
  readonly phrase: string
  readonly score: number
}

/**
 * Top keyphrases of each paper. `idf` comes from the corpus being processed, so a
 * phrase every paper uses ("large language models" on an LLM page) ranks below
 * the phrases that set a paper apart.
 */
export const extractKeyphrases = (papers: ReadonlyArray<Paper>): Array<ReadonlyArray<Keyphrase>> => {
  const perPaper = papers.map((paper) => {
    const counts = new Map<string, { count: number; surfaces: Map<string, number> }>()
    const add = (candidates: Array<Candidate>, weight: number) => {
      for (const { key, surface } of candidates) {
        const entry = counts.get(key) ?? { count: 0, surfaces: new Map<string, number>() }
        entry.count += weight
        entry.surfaces.set(surface, (entry.surfaces.get(surface) ?? 0) + 1)
        counts.set(key, entry)
      }
    }
    add(candidatePhrases(paper.title), 2)
    add(candidatePhrases(paper.abstract), 1)
    return counts
  })
  const documentFrequency = new Map<string, number>()
  for (const counts of perPaper) {
    for (const key of counts.keys()) documentFrequency.set(key, (documentFrequency.get(key) ?? 0) + 1)
  }
  const n = papers.length
  return perPaper.map((counts) => {
    const scored: Array<{ phrase: string; raw: number }> = []
    for (const [key, { count, surfaces }] of counts) {
      const idf = Math.log((1 + n) / (1 + (documentFrequency.get(key) ?? 0))) + 1
      const words = key.split(" ").length
      const raw = (1 + Math.log(count)) * idf * (1 + 0.25 * (words - 1))
      // The surface form used most often in this paper; ties go to the alphabetically first, for determinism.
      const phrase = [...surfaces].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0]
      scored.push({ phrase, raw })
    }
    scored.sort((a, b) => b.raw - a.raw || (a.phrase < b.phrase ? -1 : 1))
    const top = scored.slice(0, KEYPHRASES_PER_PAPER)
    const max = top[0]?.raw ?? 1
    return top.map(({ phrase, raw }) => ({ phrase, score: Math.round((raw / max) * 10_000) / 10_000 }))
  })
}
