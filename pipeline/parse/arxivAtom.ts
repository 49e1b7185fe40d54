/**
 * `arxiv-atom`: the arXiv API's Atom XML. One `<entry>` per paper with `id` (the abs
 * URL), `title`, `summary`, `author/name`, `category term=…`, `published`, and
 * `arxiv:primary_category`. The older serialization hard-wraps titles and
 * summaries and declares the `arxiv:` namespace on each element; dropping
 * namespace prefixes makes both read the same.
 */
import { Effect, Result, Schema } from "effect"
import { XMLParser, XMLValidator } from "fast-xml-parser"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"
import { arxivIdOf, paperIdOf } from "./identity.ts"
import { Collector, isoDateOf, lineAt, type Records, recordError } from "./records.ts"

/** Elements that may repeat: a feed with one entry, or an entry with one author, still gives arrays. */
const REPEATED = new Set(["feed.entry", "feed.entry.author", "feed.entry.category"])

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  // Keep every value a string: "2406.12340" must not become the number 2406.1234.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name, jpath) => typeof jpath === "string" && REPEATED.has(jpath)
})

/** Element text: a plain string, or `#text` when the element also has attributes (`<title type="html">`). */
const Text = Schema.Union([Schema.String, Schema.Struct({ "#text": Schema.optional(Schema.String) })])
const textOf = (value: typeof Text.Type | undefined): string =>
  value === undefined ? "" : typeof value === "string" ? value : value["#text"] ?? ""

const AtomEntry = Schema.Struct({
  id: Text,
  title: Schema.optional(Text),
  summary: Schema.optional(Text),
  published: Schema.optional(Text),
  author: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.optional(Text) }))),
  category: Schema.optional(Schema.Array(Schema.Struct({ term: Schema.String }))),
  primary_category: Schema.optional(Schema.Struct({ term: Schema.String }))
})
const decodeAtomEntry = Schema.decodeUnknownResult(AtomEntry)

const AtomDocument = Schema.Struct({
  feed: Schema.Struct({ entry: Schema.optional(Schema.Array(Schema.Unknown)) })
})
const decodeAtomDocument = Schema.decodeUnknownResult(AtomDocument)

const HINT = "Save the arXiv API response unchanged (for example with `curl -o`); fix or remove the entry, " +
  "or pass --skip-bad-lines."

/**
 * The validator's complaint as an InputError with its line. When elements are
 * left open at the end it reports line 1 and a list of tag names; that is a
 * truncated file, so say so and point at the last line.
 */
const malformed = (text: string, file: string, error: { code: string; msg: string; line: number; col: number }) => {
  const unclosed = error.code === "InvalidXml" && /^Invalid '\[/.test(error.msg)
  if (unclosed || (error.code === "InvalidTag" && /^Unclosed tag/.test(error.msg))) {
    return new InputError({
      file,
      line: lineAt(text, text.length),
      reason: "the XML ends while elements are still open (the file looks truncated)",
      hint: "Download the arXiv API response again; the copy is cut off."
    })
  }
  return new InputError({
    file,
    line: error.line,
    reason: `malformed XML at column ${error.col}: ${error.msg}`,
    hint: "Save the arXiv API response unchanged, or fix the XML at that line (an unescaped `&` or `<` is the usual cause)."
  })
}

const entryPaper = (raw: unknown, index: number, file: string): Result.Result<Paper, InputError> => {
  const decoded = decodeAtomEntry(raw)
  if (Result.isFailure(decoded)) {
    return Result.fail(recordError({ file }, `entry ${index + 1} is not an arXiv Atom entry`, decoded.failure.message, HINT))
  }
  const entry = decoded.success
  const id = collapseWhitespace(textOf(entry.id))
  // The API reports a bad query as a single entry whose id is an errors URL.
  if (id.includes("/api/errors")) {
    return Result.fail(
      new InputError({
        file,
        reason: `the arXiv API answered with an error: ${collapseWhitespace(textOf(entry.summary))}`,
        hint: "Fix the query and fetch the feed again."
      })
    )
  }
  const title = collapseWhitespace(textOf(entry.title))
  if (title.length === 0) {
    return Result.fail(new InputError({ file, field: "title", reason: `entry ${index + 1} (${id}) has an empty title`, hint: HINT }))
  }
  const terms = (entry.category ?? []).map((category) => category.term.trim()).filter((term) => term.length > 0)
  // Primary first: downstream reads categories[0] as the paper's main field, as in arxiv-cs-dev.jsonl.
  const primary = entry.primary_category?.term.trim() ?? ""
  const categories = [...new Set(primary.length > 0 ? [primary, ...terms] : terms)]
  const arxivId = arxivIdOf(id)
  return Result.succeed({
    paperId: paperIdOf(arxivId, title),
    arxivId,
    title,
    abstract: collapseWhitespace(textOf(entry.summary)),
    authors: (entry.author ?? []).map((author) => collapseWhitespace(textOf(author.name))).filter((name) => name.length > 0),
    published: isoDateOf(textOf(entry.published)),
    categories,
    sourceFormat: "arxiv-atom" as const,
    sourceFile: file,
    extra: null
  })
}

export const parseArxivAtom = Effect.fnUntraced(function*(
  text: string,
  file: string,
  skipBadRecords: boolean
): Effect.fn.Return<Records, InputError> {
  const valid = XMLValidator.validate(text)
  if (valid !== true) return yield* malformed(text, file, valid.err)
  const document = decodeAtomDocument(parser.parse(text))
  if (Result.isFailure(document)) {
    return yield* new InputError({
      file,
      reason: "this XML is not an Atom feed (no <feed> root element)",
      hint: "Pass an arXiv API response (it starts with <feed xmlns=\"http://www.w3.org/2005/Atom\">), or pass --format."
    })
  }
  const collector = new Collector(skipBadRecords)
  const entries = document.success.feed.entry ?? []
  for (let index = 0; index < entries.length; index++) {
    const stop = collector.add(entryPaper(entries[index], index, file))
    if (stop !== undefined) return yield* stop
  }
  return collector
})
