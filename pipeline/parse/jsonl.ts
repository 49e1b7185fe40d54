/**
 * `jsonl`: one JSON object per line with `title` and `abstract` (or `summary`),
 * optional `id`, `labels` (or arXiv's `categories`), `authors`, `published`.
 */
import { Result, Schema } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"
import { arxivIdOf, paperIdOf } from "./identity.ts"
import { recordError, splitCategories } from "./records.ts"

const JsonlPaper = Schema.Struct({
  id: Schema.optional(Schema.Union([Schema.String, Schema.Number])),
  title: Schema.String,
  abstract: Schema.optional(Schema.NullOr(Schema.String)),
  summary: Schema.optional(Schema.NullOr(Schema.String)),
  labels: Schema.optional(Schema.Array(Schema.String)),
  categories: Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  authors: Schema.optional(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
  published: Schema.optional(Schema.NullOr(Schema.String))
})
const decodeJsonlPaper = Schema.decodeUnknownResult(JsonlPaper)

const labelsOf = (record: typeof JsonlPaper.Type): Array<string> => {
  if (record.labels !== undefined) return [...record.labels]
  const categories = record.categories ?? []
  return typeof categories === "string" ? splitCategories(categories) : [...categories]
}


/** JSON.parse one line, or an InputError that names the line. */
export const parseJsonLine = (line: string, file: string, lineNumber: number): Result.Result<unknown, InputError> => {
  try {
    return Result.succeed(JSON.parse(line))
  } catch (cause) {
    return Result.fail(
      new InputError({
        file,
        line: lineNumber,
        reason: `not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`,
        hint: "Each line must be one complete JSON object; fix or remove the line, or pass --skip-bad-lines."
      })
    )
  }
}

export const emptyTitleError = (file: string, lineNumber: number, field = "title"): InputError =>
  new InputError({
    file,
    line: lineNumber,
    field,
    reason: "the paper has an empty title",
    hint: "Every paper needs a title; fill it in or remove the record, or pass --skip-bad-lines."
  })

export const parseJsonlLine = (line: string, file: string, lineNumber: number): Result.Result<Paper, InputError> =>
  Result.flatMap(parseJsonLine(line, file, lineNumber), (json) => {
    const decoded = decodeJsonlPaper(json)
    if (Result.isFailure(decoded)) {
      return Result.fail(recordError(
        { file, line: lineNumber },
        "not a paper record",
        decoded.failure.message,
        "Each line needs a string \"title\" and an \"abstract\" or \"summary\"; see the README's input formats."
      ))
    }
    const record = decoded.success
    const title = collapseWhitespace(record.title)
    if (title.length === 0) return Result.fail(emptyTitleError(file, lineNumber))
    const arxivId = arxivIdOf(record.id)
    const authors = typeof record.authors === "string"
      ? record.authors.split(/,\s*|\s+and\s+/).map(collapseWhitespace).filter((name) => name.length > 0)
      : [...(record.authors ?? [])]
    return Result.succeed({
      paperId: paperIdOf(arxivId, title),
      arxivId,
      title,
      abstract: collapseWhitespace(record.abstract ?? record.summary ?? ""),
      authors,
      published: record.published ?? null,
      categories: labelsOf(record),
      sourceFormat: "jsonl" as const,
      sourceFile: file,
      extra: null
    })
  })
