/**
 * `hf-json`: the Hugging Face Daily Papers API response, an array of
 * `{paper: {id, title, summary, authors: [{name}], publishedAt, upvotes, ai_keywords?}, publishedAt, …}`.
 * Unknown keys (thumbnails, submitters, discussion ids) are ignored.
 */
import { Effect, Result, Schema } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"
import { arxivIdOf, paperIdOf } from "./identity.ts"
import { Collector, isoDateOf, lineAt, type Records, recordError } from "./records.ts"

const HfAuthor = Schema.Struct({ name: Schema.optional(Schema.NullOr(Schema.String)) })

const HfPaper = Schema.Struct({
  id: Schema.String,
  title: Schema.String,
  summary: Schema.optional(Schema.NullOr(Schema.String)),
  authors: Schema.optional(Schema.NullOr(Schema.Array(HfAuthor))),
  publishedAt: Schema.optional(Schema.NullOr(Schema.String)),
  upvotes: Schema.optional(Schema.NullOr(Schema.Number)),
  ai_keywords: Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
})

const HfEntry = Schema.Struct({
  paper: HfPaper,
  /** When the paper was listed on the daily page; the paper's own date comes first. */
  publishedAt: Schema.optional(Schema.NullOr(Schema.String))
})
const decodeHfEntry = Schema.decodeUnknownResult(HfEntry)

const HINT = "The file must be the Daily Papers API response as saved (an array of {\"paper\": {…}} entries); " +
  "fix or remove the entry, or pass --skip-bad-lines."

/** JSON.parse the whole document; V8 reports where it stopped, which names the line. */
export const parseJsonDocument = (text: string, file: string): Result.Result<unknown, InputError> => {
  try {
    return Result.succeed(JSON.parse(text))
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    const at = /at position (\d+)/.exec(message)?.[1]
    const position = at !== undefined ? Number(at) : text.length
    // Stopping at the very end (an open string, array or object) means the document was cut off.
    const truncated = position >= text.trimEnd().length
    return Result.fail(
      new InputError({
        file,
        line: lineAt(text, position),
        reason: truncated
          ? "the JSON ends before it is complete (the file looks truncated)"
          : `not valid JSON (${message})`,
        hint: truncated
          ? "Download or save the response again; the copy is cut off."
          : "Save the API response unchanged (for example with `curl -o`), or pass --format for another format."
      })
    )
  }
}

const entryPaper = (raw: unknown, index: number, file: string): Result.Result<Paper, InputError> => {
  const decoded = decodeHfEntry(raw)
  if (Result.isFailure(decoded)) {
    return Result.fail(recordError({ file }, `entry ${index + 1} is not a Daily Papers entry`, decoded.failure.message, HINT))
  }
  const { paper, publishedAt } = decoded.success
  const title = collapseWhitespace(paper.title)
  if (title.length === 0) {
    return Result.fail(
      new InputError({ file, field: "paper.title", reason: `entry ${index + 1} (${paper.id}) has an empty title`, hint: HINT })
    )
  }
  const arxivId = arxivIdOf(paper.id)
  const extra: Record<string, unknown> = {}
  if (paper.upvotes !== undefined && paper.upvotes !== null) extra.upvotes = paper.upvotes
  if (paper.ai_keywords !== undefined && paper.ai_keywords !== null) extra.ai_keywords = paper.ai_keywords
  return Result.succeed({
    paperId: paperIdOf(arxivId, title),
    arxivId,
    title,
    abstract: collapseWhitespace(paper.summary ?? ""),
    authors: (paper.authors ?? []).flatMap((author) => {
      const name = collapseWhitespace(author.name ?? "")
      return name.length > 0 ? [name] : []
    }),
    published: isoDateOf(paper.publishedAt ?? publishedAt),
    categories: [],
    sourceFormat: "hf-json" as const,
    sourceFile: file,
    extra: Object.keys(extra).length > 0 ? extra : null
  })
}

export const parseHfJson = Effect.fnUntraced(function*(
  text: string,
  file: string,
  skipBadRecords: boolean
): Effect.fn.Return<Records, InputError> {
  const json = yield* Effect.fromResult(parseJsonDocument(text, file))
  if (!Array.isArray(json)) {
    return yield* new InputError({
      file,
      reason: `expected an array of Daily Papers entries, found ${json === null ? "null" : typeof json}`,
      hint: "Pass the API response itself (it starts with `[`), or pass --format for another format."
    })
  }
  const collector = new Collector(skipBadRecords)
  for (let index = 0; index < json.length; index++) {
    const stop = collector.add(entryPaper(json[index], index, file))
    if (stop !== undefined) return yield* stop
  }
  return collector
})
