/**
 * The words of a text as the keyphrase finder sees them: sentences, tokens and natural's
 * Brill POS tags, each distinct token interned once with the facts a phrase needs of it.
 */
import { createRequire } from "node:module"
import { Growable } from "./growable.ts"
import { TEXT_HASH_START, TextInterner, textHashStep } from "./interning.ts"
import { isStopWord, isWhiteSpace, phraseKey } from "./text.ts"

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
interface BrillModule {
  Lexicon: new(language: string, defaultCategory: string, defaultCategoryCapitalized: string) => unknown
  RuleSet: new(language: string) => unknown
  BrillPOSTagger: new(lexicon: unknown, rules: unknown) => BrillTagger
}

/** What the memoised tagger below can reproduce: rules that see the word and the previous word's tag ("DT") or word ("would"). */
const isMemoisable = (rule: Rule): boolean => {
  const { name, parameter1 } = rule.predicate
  return ["CURRENT-WORD-IS-NUMBER", "CURRENT-WORD-IS-URL", "CURRENT-WORD-ENDS-WITH"].includes(name) ||
    (name === "PREV-TAG" && parameter1 === "DT") || (name === "PREV-WORD-IS" && parameter1 === "would")
}

let tagger: { readonly brill: BrillTagger; readonly rules: ReadonlyArray<Rule>; readonly memoisable: boolean } | undefined
const getTagger = () => {
  // Loaded (~90 ms) and the lexicon read (~80 ms) only when keyphrases are asked for: not by a
  // remap or a report, nor by a large run's main thread, whose keyphrases come from a worker.
  if (tagger === undefined) {
    const brill: BrillModule = require("natural/lib/natural/brill_pos_tagger")
    const instance = new brill.BrillPOSTagger(new brill.Lexicon("EN", "N", "NNP"), new brill.RuleSet("EN"))
    const rules = instance.ruleSet.getRules()
    tagger = { brill: instance, rules, memoisable: rules.every(isMemoisable) }
  }
  return tagger
}

/** Surfaces of words ("diffusion", "LLM") and their stems ("diffus"): the ids phrases are made of. */
export const surfaceWords = new TextInterner()
export const stemWords = new TextInterner()

/** Brill tags ("NN", "DT") as small integers: a word's tag is compared and stored as one. */
const tagNames: Array<string> = []
const tagIds = new Map<string, number>()
const tagIdOf = (name: string): number => {
  let id = tagIds.get(name)
  if (id === undefined) {
    id = tagNames.length
    tagNames.push(name)
    tagIds.set(name, id)
  }
  return id
}
export const tagName = (tag: number): string => tagNames[tag]
const DT = tagIdOf("DT")

const IS_STOP = 1
const HAS_LETTER = 2
const IS_WOULD = 4

/**
 * What the phrase finder asks of a distinct token, worked out once per token and kept in
 * arrays by token id (one object per token, and its array of tags, cost a cache miss or two per
 * word of the corpus):
 * - `tags`: its Brill tag in each context at 4 × id + (previous tag DT: 1) + (previous word
 *   "would": 2), -1 until first needed. natural's English rules (tr_from_posjs) look only at
 *   the word itself, the previous word ("would") and the previous word's final tag ("DT"), and
 *   apply left to right: a word's tag is a function of those three.
 * - `surface`: its surface's id in `surfaceWords` (capitalised words lower-cased, acronyms kept).
 * - `phrase`: the id of the one-word phrase of its surface (keyphraseCandidates.ts), -1 until used.
 * - `keyParts`: ids in `stemWords` of its stemmed parts (`phraseKey` of its surface: "x-ray" →
 *   "x", "ray"), on first use.
 */
const tokens = new TextInterner()
const tokenTags = new Growable(new Int32Array(4096))
const tokenLexiconTag = new Growable(new Int32Array(1024))
const tokenFlags = new Growable(new Int8Array(1024))
const tokenSurface = new Growable(new Int32Array(1024))
export const tokenPhrase = new Growable(new Int32Array(1024))
const tokenKeyParts: Array<Int32Array | undefined> = []

/** A token's id (from `tokens`) once its facts are worked out: the first time it is seen. */
const withFacts = (id: number): number => {
  if (id === tokenFlags.length) {
    const token = tokens.values[id]
    const lower = token.toLowerCase()
    for (let context = 0; context < 4; context++) tokenTags.push(-1)
    tokenLexiconTag.push(tagIdOf(getTagger().brill.lexicon.tagWord(token)[0]))
    tokenFlags.push((isStopWord(lower) ? IS_STOP : 0) | (/[A-Za-z]/.test(token) ? HAS_LETTER : 0) | (lower === "would" ? IS_WOULD : 0))
    tokenSurface.push(surfaceWords.intern(/^[A-Z][a-z]/.test(token) ? lower : token))
    tokenPhrase.push(-1)
    tokenKeyParts.push(undefined)
  }
  return id
}

export const tokenText = (token: number): string => tokens.values[token]
export const isStopToken = (token: number): boolean => (tokenFlags.data[token] & IS_STOP) !== 0
export const hasLetter = (token: number): boolean => (tokenFlags.data[token] & HAS_LETTER) !== 0
export const surfaceOf = (token: number): number => tokenSurface.data[token]

export const keyPartsOf = (token: number): Int32Array => {
  let parts = tokenKeyParts[token]
  if (parts === undefined) {
    const key = phraseKey(surfaceWords.values[tokenSurface.data[token]])
    parts = key.length === 0 ? new Int32Array(0) : Int32Array.from(key.split(" "), (part) => stemWords.intern(part))
    tokenKeyParts[token] = parts
  }
  return parts
}

const tagOf = (token: number, previousIsDt: boolean, previousIsWould: boolean): number => {
  const slot = 4 * token + (previousIsDt ? 1 : 0) + (previousIsWould ? 2 : 0)
  let tag = tokenTags.data[slot]
  if (tag < 0) {
    // A two-word sentence whose first word carries exactly the context the rules can see.
    const sentence: Sentence = {
      taggedWords: [
        { token: previousIsWould ? "would" : "", tag: previousIsDt ? "DT" : "" },
        { token: tokens.values[token], tag: tagNames[tokenLexiconTag.data[token]] }
      ]
    }
    for (const rule of getTagger().rules) rule.apply(sentence, 1)
    tag = tagIdOf(sentence.taggedWords[1].tag)
    tokenTags.data[slot] = tag
  }
  return tag
}

/** Tags of a sentence's first `length` tokens into `tags`, in place of natural's `BrillPOSTagger.tag`, with the same output. */
const tagSentence = (words: Int32Array, length: number, tags: Int32Array) => {
  // A natural release with other kinds of rules: its own (slower) tagger.
  if (!getTagger().memoisable) {
    const tokenTexts = Array.from(words.subarray(0, length), tokenText)
    getTagger().brill.tag(tokenTexts).taggedWords.forEach(({ tag }, i) => (tags[i] = tagIdOf(tag)))
    return
  }
  let previousIsDt = false
  let previousIsWould = false
  for (let i = 0; i < length; i++) {
    const token = words[i]
    const tag = tagOf(token, previousIsDt, previousIsWould)
    tags[i] = tag
    previousIsDt = tag === DT
    previousIsWould = (tokenFlags.data[token] & IS_WOULD) !== 0
  }
}

/** Tags of a sentence's tokens, as natural's Brill tagger gives them. */
export const tagTokens = (sentence: ReadonlyArray<string>): Array<TaggedWord> => {
  const words = Int32Array.from(sentence, (token) => withFacts(tokens.intern(token)))
  const tags = new Int32Array(words.length)
  tagSentence(words, words.length, tags)
  return sentence.map((token, i) => ({ token, tag: tagNames[tags[i]] }))
}

const isAlphanumeric = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
const isUpperOrDigit = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 90)
const isSentenceEnd = (code: number): boolean => code === 46 || code === 33 || code === 63

/** The sentence being read: its tokens, and their tags once it is tagged (reused: a sentence is ~25 words). */
const sentenceWords = new Growable(new Int32Array(256))
const sentenceTags = new Growable(new Int32Array(256))

/**
 * The tagged words of a text, sentence by sentence: `onWord` for each, `onSentenceEnd` after
 * each sentence. The same sentences and tokens as `text.split(/(?<=[.!?])\s+(?=[A-Z0-9])/)`
 * and `sentence.match(/[A-Za-z0-9][A-Za-z0-9'-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]/g)`,
 * read in one pass over the characters: a token already seen costs a hash of its
 * characters, not a string.
 */
export const scanTaggedWords = (text: string, onWord: (token: number, tag: number) => void, onSentenceEnd: () => void) => {
  const endSentence = () => {
    const words = sentenceWords.length
    if (words === 0) return
    sentenceTags.ensure(words)
    tagSentence(sentenceWords.data, words, sentenceTags.data)
    for (let i = 0; i < words; i++) onWord(sentenceWords.data[i], sentenceTags.data[i])
    sentenceWords.length = 0
    onSentenceEnd()
  }
  const length = text.length
  for (let start = 0; start < length;) {
    const code = text.charCodeAt(start)
    if (isWhiteSpace(code)) {
      let next = start + 1
      while (next < length && isWhiteSpace(text.charCodeAt(next))) next++
      if (start > 0 && isSentenceEnd(text.charCodeAt(start - 1)) && next < length && isUpperOrDigit(text.charCodeAt(next))) endSentence()
      start = next
      continue
    }
    let end = start + 1
    let hash = textHashStep(TEXT_HASH_START, code)
    if (isAlphanumeric(code)) {
      // The longest run of letters, digits, ' and -, less the ' and - it ends with (hashed as it is read).
      let hashToLastAlphanumeric = hash
      for (let next = start + 1; next < length; next++) {
        const inside = text.charCodeAt(next)
        if (isAlphanumeric(inside)) {
          hash = textHashStep(hash, inside)
          hashToLastAlphanumeric = hash
          end = next + 1
        } else if (inside === 39 || inside === 45) {
          hash = textHashStep(hash, inside)
        } else {
          break
        }
      }
      hash = hashToLastAlphanumeric
    }
    sentenceWords.push(withFacts(tokens.idOfHashed(text, start, end, hash)))
    start = end
  }
  endSentence()
}
