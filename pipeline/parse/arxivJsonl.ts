/**
 * `arxiv-jsonl`: the arXiv metadata snapshot (Kaggle "arxiv-metadata-oai-snapshot"),
 * one JSON object per line: `id`, `title`, `abstract`, `categories` ("cs.LG stat.ML"),
 * `authors` ("A. One, B. Two and C. Three"), `authors_parsed`, `versions`,
 * `update_date`. Titles and abstracts are hard-wrapped with leading blanks, as
 * in the old Atom feed. The file is gigabytes, so it is only ever read line by line.
 */
import { Result, Schema } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"
import { arxivIdOf, paperIdOf } from "./identity.ts"
import { emptyTitleError, parseJsonLine } from "./jsonl.ts"
import { isoDateOf, recordError, splitAuthors, splitCategories } from "./records.ts"

const SnapshotPaper = Schema.Struct({
  id: Schema.String,
  title: Schema.String,
  abstract: Schema.optional(Schema.NullOr(Schema.String)),
  categories: Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  /** The generic jsonl spelling; accepted so that a mis-detected file still keeps its labels. */
  labels: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  authors: Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  /** `[last, first, suffix]` per author: names without the LaTeX accents of `authors`. */
  authors_parsed: Schema.optional(Schema.NullOr(Schema.Array(Schema.Array(Schema.String)))),
  versions: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ created: Schema.optional(Schema.String) })))),
  update_date: Schema.optional(Schema.NullOr(Schema.String))
})
const decodeSnapshotPaper = Schema.decodeUnknownResult(SnapshotPaper)

type SnapshotPaper = typeof SnapshotPaper.Type

const authorsOf = (record: SnapshotPaper): Array<string> => {
  if (record.authors_parsed !== undefined && record.authors_parsed !== null && record.authors_parsed.length > 0) {
    return record.authors_parsed
      .map(([last = "", first = "", suffix = ""]) => collapseWhitespace(`${first} ${last} ${suffix}`))
      .filter((name) => name.length > 0)
  }
  if (typeof record.authors === "string") return splitAuthors(record.authors)
  return (record.authors ?? []).map(collapseWhitespace).filter((name) => name.length > 0)
}

const categoriesOf = (record: SnapshotPaper): Array<string> => {
  const raw = record.categories ?? record.labels ?? []
  return typeof raw === "string" ? splitCategories(raw) : raw.map(collapseWhitespace).filter((label) => label.length > 0)
}

/**
 * The first version's date is when the paper appeared; `update_date` is the last
 * revision, the only date when `versions` is missing.
 */
const publishedOf = (record: SnapshotPaper): string | null =>
  isoDateOf(record.versions?.[0]?.created) ?? isoDateOf(record.update_date)

export const parseArxivJsonlLine = (line: string, file: string, lineNumber: number): Result.Result<Paper, InputError> =>
  Result.flatMap(parseJsonLine(line, file, lineNumber), (json) => {
    const decoded = decodeSnapshotPaper(json)
    if (Result.isFailure(decoded)) {
      return Result.fail(recordError(
        { file, line: lineNumber },
        "not an arXiv snapshot record",
        decoded.failure.message,
        "Each line needs a string \"id\" and \"title\" (and usually \"abstract\", \"categories\"); fix or remove the line, or pass --skip-bad-lines."
      ))
    }
    const record = decoded.success
    const title = collapseWhitespace(record.title)
    if (title.length === 0) return Result.fail(emptyTitleError(file, lineNumber))
    const arxivId = arxivIdOf(record.id)
    return Result.succeed({
      paperId: paperIdOf(arxivId, title),
      arxivId,
      title,
      abstract: collapseWhitespace(record.abstract ?? ""),
      authors: authorsOf(record),
      published: publishedOf(record),
      categories: categoriesOf(record),
      sourceFormat: "arxiv-jsonl" as const,
      sourceFile: file,
      extra: null
    })
  })
