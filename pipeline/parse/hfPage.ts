/**
 * `hf-page`: text copied from the Hugging Face Daily Papers page. A few header
 * lines, date lines ("Jun 23"), then per paper a title line and an abstract
 * paragraph, separated by blank lines. Titles may come without an abstract.
 */
import { Effect } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"
import { paperIdOf } from "./identity.ts"

/** Page furniture that a copy of the page carries besides the papers. */
const PAGE_FURNITURE = new Set([
  "new",
  "subscribe",
  "get trending papers in your email inbox!",
  "byak and the research community",
  "daily papers",
  "submit paper",
  "search",
  "previous",
  "next",
  "today",
  "this week",
  "this month"
])

const DATE_LINE =
  /^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?$/i
const COUNTER_LINE = /^[\d,.]+k?$|^·?\s*\d+\s+authors?$|^submitted by\b/i

export const isPageFurniture = (line: string): boolean =>
  PAGE_FURNITURE.has(line.toLowerCase()) || DATE_LINE.test(line) || COUNTER_LINE.test(line)

/**
 * Abstracts are prose: long, or several sentences, or a sentence that ends in a
 * full stop. Titles are short and, on this page, never end with a full stop
 * (all 91 titles of the bundled page are under 200 characters; all abstracts
 * are over 300).
 */
export const looksLikeAbstract = (line: string): boolean => {
  if (line.length >= 250) return true
  const words = line.split(/\s+/).length
  if (/[.!]$/.test(line) && words >= 12) return true
  return /[a-z)\]]\.\s+[A-Z]/.test(line) && words >= 12
}

interface Block {
  readonly text: string
  readonly line: number
}

/** Paragraphs: runs of non-blank lines; lines of a wrapped paragraph are joined. */
const paragraphs = (text: string): Array<Block> => {
  const blocks: Array<Block> = []
  let current: Array<string> = []
  let start = 0
  const lines = text.split("\n")
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line.length === 0) {
      if (current.length > 0) blocks.push({ text: current.join(" "), line: start })
      current = []
      return
    }
    // A furniture line or a short title line ends the paragraph before it even without a blank line.
    if (current.length > 0 && (isPageFurniture(line) || !looksLikeAbstract(current.join(" ")))) {
      blocks.push({ text: current.join(" "), line: start })
      current = []
    }
    if (current.length === 0) start = index + 1
    current.push(line)
  })
  if (current.length > 0) blocks.push({ text: current.join(" "), line: start })
  return blocks
}

export const parseHfPage = Effect.fnUntraced(function*(text: string, file: string): Effect.fn.Return<Array<Paper>, InputError> {
  const papers: Array<{ title: string; abstract: Array<string>; line: number }> = []
  for (const block of paragraphs(text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n"))) {
    const content = collapseWhitespace(block.text)
    if (isPageFurniture(content)) continue
    if (looksLikeAbstract(content)) {
      const paper = papers.at(-1)
      if (paper === undefined) {
        return yield* new InputError({
          file,
          line: block.line,
          reason: "an abstract paragraph comes before any paper title",
          hint: "Copy the page from the first paper title on, or pass --format if this is not a Daily Papers page."
        })
      }
      paper.abstract.push(content)
    } else {
      papers.push({ title: content, abstract: [], line: block.line })
    }
  }
  return papers.map(({ abstract, title }) => ({
    paperId: paperIdOf(null, title),
    arxivId: null,
    title,
    abstract: abstract.join(" "),
    authors: [],
    published: null,
    categories: [],
    sourceFormat: "hf-page" as const,
    sourceFile: file,
    extra: null
  }))
})
