/**
 * The words of a text as the keyphrase finder sees them: sentences, tokens and natural's
 * Brill POS tags, each distinct token interned once with the facts a phrase needs of it.
 */
import { createRequire } from "node:module"
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

/** Surfaces of words ("diffusion", "LLM") and their stems ("diffus"): the ids phrases are made of. */
export const surfaceWords = new TextInterner()
export const stemWords = new TextInterner()

/** What the phrase finder asks of a distinct token, looked up once per token. */
export interface WordInfo {
  readonly token: string
  /**
   * Brill tag in each context: previous tag DT (+1), previous word "would" (+2). natural's
   * English rules (tr_from_posjs) look only at the word itself, the previous word ("would")
   * and the previous word's final tag ("DT"), and apply left to right: a word's tag is a
   * function of those three, so it is worked out once per context.
   */
  readonly tags: Array<string | undefined>
  readonly lexiconTag: string
  /** Its surface's id in `surfaceWords`: capitalised words lower-cased, acronyms kept. */
  readonly surface: number
  readonly isStop: boolean
  readonly hasLetter: boolean
  readonly isWould: boolean
  /** Ids in `stemWords` of its stemmed parts (`phraseKey` of its surface: "x-ray" → "x", "ray"); on first use. */
  keyParts: Int32Array | undefined
  /** Id of the one-word phrase of its surface (keyphraseCandidates.ts); -1 until first used. */
  phrase: number
}

const tokens = new TextInterner()
const infos: Array<WordInfo> = []

const infoOf = (id: number): WordInfo => {
  let info = infos[id]
  if (info === undefined) {
    const token = tokens.values[id]
    const lower = token.toLowerCase()
    info = {
      token,
      tags: [undefined, undefined, undefined, undefined],
      lexiconTag: getTagger().brill.lexicon.tagWord(token)[0],
      surface: surfaceWords.intern(/^[A-Z][a-z]/.test(token) ? lower : token),
      isStop: isStopWord(lower),
      hasLetter: /[A-Za-z]/.test(token),
      isWould: lower === "would",
      keyParts: undefined,
      phrase: -1
    }
    infos[id] = info
  }
  return info
}

export const keyPartsOf = (info: WordInfo): Int32Array => {
  if (info.keyParts === undefined) {
    const key = phraseKey(surfaceWords.values[info.surface])
    info.keyParts = key.length === 0 ? new Int32Array(0) : Int32Array.from(key.split(" "), (part) => stemWords.intern(part))
  }
  return info.keyParts
}

const tagOf = (info: WordInfo, previousIsDt: boolean, previousIsWould: boolean): string => {
  const slot = (previousIsDt ? 1 : 0) + (previousIsWould ? 2 : 0)
  let tag = info.tags[slot]
  if (tag === undefined) {
    // A two-word sentence whose first word carries exactly the context the rules can see.
    const sentence: Sentence = {
      taggedWords: [{ token: previousIsWould ? "would" : "", tag: previousIsDt ? "DT" : "" }, { token: info.token, tag: info.lexiconTag }]
    }
    for (const rule of getTagger().rules) rule.apply(sentence, 1)
    tag = sentence.taggedWords[1].tag
    info.tags[slot] = tag
  }
  return tag
}

/** Tags of a sentence's first `length` words into `tags`, in place of natural's `BrillPOSTagger.tag`, with the same output. */
const tagSentence = (words: ReadonlyArray<WordInfo>, length: number, tags: Array<string>) => {
  // A natural release with other kinds of rules: its own (slower) tagger.
  if (!getTagger().memoisable) {
    getTagger().brill.tag(words.slice(0, length).map((word) => word.token)).taggedWords.forEach(({ tag }, i) => (tags[i] = tag))
    return
  }
  let previousIsDt = false
  let previousIsWould = false
  for (let i = 0; i < length; i++) {
    const info = words[i]
    const tag = tagOf(info, previousIsDt, previousIsWould)
    tags[i] = tag
    previousIsDt = tag === "DT"
    previousIsWould = info.isWould
  }
}

/** Tags of a sentence's tokens, as natural's Brill tagger gives them. */
export const tagTokens = (sentence: ReadonlyArray<string>): Array<TaggedWord> => {
  const words = sentence.map((token) => infoOf(tokens.intern(token)))
  const tags: Array<string> = []
  tagSentence(words, words.length, tags)
  return words.map((word, i) => ({ token: word.token, tag: tags[i] }))
}

const isAlphanumeric = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
const isUpperOrDigit = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 90)
const isSentenceEnd = (code: number): boolean => code === 46 || code === 33 || code === 63

/** The sentence being read: its words, and their tags once it is tagged (reused: a sentence is ~25 words). */
const sentenceWords: Array<WordInfo> = []
let sentenceLength = 0
const sentenceTags: Array<string> = []

/**
 * The tagged words of a text, sentence by sentence: `onWord` for each, `onSentenceEnd` after
 * each sentence. The same sentences and tokens as `text.split(/(?<=[.!?])\s+(?=[A-Z0-9])/)`
 * and `sentence.match(/[A-Za-z0-9][A-Za-z0-9'-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]/g)`,
 * read in one pass over the characters: a token already seen costs a hash of its
 * characters, not a string.
 */
export const scanTaggedWords = (text: string, onWord: (info: WordInfo, tag: string) => void, onSentenceEnd: () => void) => {
  const endSentence = () => {
    if (sentenceLength === 0) return
    tagSentence(sentenceWords, sentenceLength, sentenceTags)
    for (let i = 0; i < sentenceLength; i++) onWord(sentenceWords[i], sentenceTags[i])
    sentenceLength = 0
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
    const info = infoOf(tokens.idOfHashed(text, start, end, hash))
    if (sentenceLength < sentenceWords.length) sentenceWords[sentenceLength] = info
    else sentenceWords.push(info)
    sentenceLength++
    start = end
  }
  endSentence()
}
