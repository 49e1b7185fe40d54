/**
 * Word-level text handling shared by keyphrases, vectorize and map: one tokenizer,
 * one stop-word list and one (cached) stemmer, so that a paper's terms and a
 * taxonomy node's terms always meet in the same space.
 */
import { createRequire } from "node:module"
import { TEXT_HASH_START, textHashStep } from "./interning.ts"

const require = createRequire(import.meta.url)
// Submodule imports: the package root pulls in database drivers and dotenv.
const porterStemmer: { stem(word: string): string } = require("natural/lib/natural/stemmers/porter_stemmer")
const naturalStopWords: { words: ReadonlyArray<string> } = require("natural/lib/natural/util/stopwords")

/**
 * Words that say nothing about a paper's topic. natural's English list, plus the
 * boilerplate of abstracts ("we propose a novel method ... results show").
 */
const ACADEMIC_STOP_WORDS = [
  "paper", "papers", "propose", "proposed", "proposes", "present", "presents", "presented", "novel", "new",
  "approach", "approaches", "method", "methods", "result", "results", "show", "shows", "shown", "demonstrate",
  "demonstrates", "based", "using", "use", "used", "uses", "also", "however", "moreover", "furthermore", "via",
  "well", "work", "works", "existing", "significantly", "significant", "various", "different", "within", "across",
  "introduce", "introduces", "study", "studies", "achieve", "achieves", "achieved", "first", "state", "art",
  "performance", "effective", "effectively", "efficient", "task", "tasks", "framework", "frameworks", 
  "problem", "problems", "can", "may", "often", "including", "include", "includes", "provide",
  "provides", "thus", "therefore", "while", "whereas", "enable", "enables", "improve", "improves", "improved",
  "improving", "recent", "recently", "make", "makes",
  "one", "two", "three", "many", "much", "several", "among", "still", "yet", "due", "since", "without",
  "would", "could", "should", "might", "must", "however", "e.g", "i.e", "eg", "ie", "etc", "et", "al",
  "available", "https", "http", "github", "com", "www", "publicly", "release", "released", "extensive",
  "experiments", "experimental", "outperforms", "outperform", "superior", "compared", "previous", "prior",
  "further", "existing", "better", "best", "strong", "simple", "able", "given", "without", "towards", "toward",
  "address", "addresses", "challenge", "challenges", "challenging", "issue", "issues", "important", "crucial",
  "remains", "remain", "leading", "leads", "lead", "significant", "substantial", "substantially", "notably"
]

const STOP_WORDS: ReadonlySet<string> = new Set([...naturalStopWords.words, ...ACADEMIC_STOP_WORDS])

export const isStopWord = (word: string): boolean => STOP_WORDS.has(word)
export const isEnglishStopWord = (word: string): boolean => naturalStopWords.words.includes(word)

const stemCache = new Map<string, string>()

/** Porter stem of a lower-case word, cached: a corpus repeats few distinct words many times. */
export const stem = (word: string): string => {
  let stemmed = stemCache.get(word)
  if (stemmed === undefined) {
    stemmed = porterStemmer.stem(word)
    if (stemCache.size < 2_000_000) stemCache.set(word, stemmed)
  }
  return stemmed
}

/** The characters that end a phrase: . , ; : ! ? ( ) [ ] { } " newline (and “ ”, below). */
const PHRASE_BREAK_ASCII = new Uint8Array(128)
for (const character of ".,;:!?()[]{}\"\n") PHRASE_BREAK_ASCII[character.charCodeAt(0)] = 1
const ALL_DIGITS = /^\d+$/

/**
 * The lower-cased words ([a-z0-9]+) of a text, in order, to `onWord` as a span of the
 * lower-cased text with the hash of its characters (interning.ts: a word seen before costs no
 * string); `onBreak` at each character that ends a phrase. One pass over the characters:
 * vectorising a corpus calls this for every title and abstract.
 */
export const scanWordSpans = (
  text: string,
  onWord: (lower: string, start: number, end: number, hash: number) => void,
  onBreak: () => void
): void => {
  const lower = text.toLowerCase()
  let start = -1
  let hash = TEXT_HASH_START
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (start < 0) {
        start = i
        hash = TEXT_HASH_START
      }
      hash = textHashStep(hash, code)
      continue
    }
    if (start >= 0) {
      onWord(lower, start, i, hash)
      start = -1
    }
    if (code < 128 ? PHRASE_BREAK_ASCII[code] === 1 : code === 0x201c || code === 0x201d) onBreak()
  }
}

/** `scanWordSpans` with each word as a string. */
export const scanWords = (text: string, onWord: (word: string) => void, onBreak: () => void): void =>
  scanWordSpans(text, (lower, start, end) => onWord(lower.slice(start, end)), onBreak)

/** A word that is a term: two characters or more, not a stop word, not all digits. Any other word breaks a run. */
export const isContentWord = (word: string): boolean => word.length >= 2 && !isStopWord(word) && !ALL_DIGITS.test(word)

/**
 * Lower-cased content words of a text, grouped in runs that no stop word or
 * punctuation interrupts: bigrams are taken inside a run only.
 */
export const contentRuns = (text: string): Array<Array<string>> => {
  const runs: Array<Array<string>> = []
  let run: Array<string> = []
  const endRun = () => {
    if (run.length > 0) runs.push(run)
    run = []
  }
  scanWords(text, (word) => (isContentWord(word) ? run.push(word) : endRun()), endRun)
  endRun()
  return runs
}

/**
 * The terms of a text: stemmed unigrams and bigrams ("languag model"), each
 * occurrence listed, in order.
 */
export const terms = (text: string): Array<string> => {
  const out: Array<string> = []
  for (const run of contentRuns(text)) {
    let previous: string | undefined
    for (const word of run) {
      const stemmed = stem(word)
      out.push(stemmed)
      if (previous !== undefined && previous !== stemmed) out.push(`${previous} ${stemmed}`)
      previous = stemmed
    }
  }
  return out
}

const phraseKeyCache = new Map<string, string>()

/** A phrase's identity for de-duplication: "language models" and "language model" are one. Cached: a corpus repeats its phrases thousands of times. */
export const phraseKey = (phrase: string): string => {
  let key = phraseKeyCache.get(phrase)
  if (key === undefined) {
    key = phrase.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 0).map(stem).join(" ")
    if (phraseKeyCache.size < 1_000_000) phraseKeyCache.set(phrase, key)
  }
  return key
}

/** JavaScript's `\s` (and what `trim` removes), by character code. */
export const isWhiteSpace = (code: number): boolean =>
  code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff

/**
 * Whether `text` has no white space but single spaces between other characters, in a pass
 * without a branch per character (a branch per space mispredicts at every word): 200,000
 * abstracts of the bench corpus, 1.3 → 0.55 s for `collapseWhitespace`. Control
 * characters (among them tab and line breaks) and anything from U+00A0 on count as white
 * space here: such a text takes `collapseWhitespace`'s full pass, which knows better.
 */
const isCollapsed = (text: string): boolean => {
  const length = text.length
  let irregular = 0
  // A space at the start counts as following a space.
  let previousSpace = 1
  // In blocks of 64 characters, so that a text with line breaks goes to the full pass early.
  for (let block = 0; block < length && irregular === 0; block += 64) {
    const end = Math.min(length, block + 64)
    for (let i = block; i < end; i++) {
      const code = text.charCodeAt(i)
      const space = ((code ^ 32) - 1) >>> 31
      irregular |= ((code - 32) >>> 31) | ((0x9f - code) >>> 31) | (space & previousSpace)
      previousSpace = space
    }
  }
  // A space at the end is one too many; so is an empty text's "start".
  return length > 0 && (irregular | previousSpace) === 0
}

/**
 * Collapse runs of white space and trim: the form every stored text takes, the same as
 * `text.replace(/\s+/g, " ").trim()`. One pass that keeps the stretches between line breaks
 * and double spaces as they are, and returns a text with none of them untouched: the regex
 * replacement was half of parsing a 200,000-paper snapshot.
 */
export const collapseWhitespace = (text: string): string => {
  if (isCollapsed(text)) return text
  const length = text.length
  let parts: Array<string> | undefined
  // The stretch being kept: from `start`; a single space inside it stays.
  let start = 0
  while (start < length && isWhiteSpace(text.charCodeAt(start))) start++
  for (let i = start; i < length; i++) {
    const code = text.charCodeAt(i)
    if (!isWhiteSpace(code)) continue
    if (code === 32 && i + 1 < length && !isWhiteSpace(text.charCodeAt(i + 1))) continue
    let end = i + 1
    while (end < length && isWhiteSpace(text.charCodeAt(end))) end++
    ;(parts ??= []).push(text.slice(start, i))
    start = end
    i = end - 1
  }
  if (parts === undefined) return start === 0 ? text : text.slice(start)
  if (start < length) parts.push(text.slice(start))
  return parts.join(" ")
}
