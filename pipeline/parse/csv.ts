/**
 * `csv`: one paper per row under a header row (RFC 4180: quoted cells may hold
 * commas, doubled quotes and line breaks). Columns by name, any case: `title`
 * (required), `abstract` or `summary`, and optional `id`, `labels` or
 * `categories`, `authors`, `published`; other columns are ignored. Tab- and
 * semicolon-separated exports read the same.
 */
import { CsvError, parse } from "csv-parse/sync"
import { Effect, Result } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"
import { arxivIdOf, paperIdOf } from "./identity.ts"
import { Collector, isoDateOf, type Records, splitAuthors, splitCategories } from "./records.ts"

/** Header names papersort reads; a header row naming one of them is how detection knows a CSV. */
export const CSV_COLUMNS = ["title", "abstract", "summary", "id", "labels", "categories", "authors", "published"] as const

const DELIMITERS = [",", "\t", ";"] as const

/** The separator of a header line: the one that splits it into the most cells (spreadsheets export all three). */
export const csvDelimiter = (headerLine: string): string =>
  DELIMITERS.reduce((best, delimiter) => (headerLine.split(delimiter).length > headerLine.split(best).length ? delimiter : best))

/** The cells of one header line, lower-cased and trimmed; empty when it is not CSV at all. */
export const csvHeaderOf = (headerLine: string): Array<string> => {
  try {
    const rows = parse(headerLine, { delimiter: csvDelimiter(headerLine), bom: true, relax_quotes: true, to_line: 1 })
    return (rows[0] ?? []).map((cell) => cell.trim().toLowerCase())
  } catch {
    return []
  }
}

interface Row {
  readonly record: Array<string>
  readonly info: { readonly lines: number }
}

interface Columns {
  readonly title: number
  readonly abstract: number
  readonly id: number
  readonly labels: number
  readonly authors: number
  readonly published: number
}

const columnsOf = (header: ReadonlyArray<string>): Columns => {
  const at = (...names: Array<string>) => names.map((name) => header.indexOf(name)).find((index) => index >= 0) ?? -1
  return {
    title: at("title"),
    abstract: at("abstract", "summary"),
    id: at("id", "arxiv_id"),
    labels: at("labels", "categories"),
    authors: at("authors"),
    published: at("published", "date")
  }
}

const ROW_HINT = "Fix or remove the row, or pass --skip-bad-lines. A cell holding the separator, a quote or a line break " +
  "must be in double quotes, with inner quotes doubled (RFC 4180)."

const rowPaper = (
  row: Row,
  columns: Columns,
  width: number,
  file: string
): Result.Result<Paper, InputError> => {
  // csv-parse counts the line a record ends on; a quoted multi-line cell moves its start up.
  const line = row.info.lines - row.record.reduce((breaks, cell) => breaks + cell.split("\n").length - 1, 0)
  if (row.record.length !== width) {
    return Result.fail(
      new InputError({ file, line, reason: `the row has ${row.record.length} cells, the header has ${width}`, hint: ROW_HINT })
    )
  }
  const cell = (index: number): string => (index >= 0 ? row.record[index] ?? "" : "")
  const title = collapseWhitespace(cell(columns.title))
  if (title.length === 0) {
    return Result.fail(
      new InputError({ file, line, field: "title", reason: "the paper has an empty title", hint: ROW_HINT })
    )
  }
  const arxivId = arxivIdOf(cell(columns.id))
  return Result.succeed({
    paperId: paperIdOf(arxivId, title),
    arxivId,
    title,
    abstract: collapseWhitespace(cell(columns.abstract)),
    authors: splitAuthors(cell(columns.authors)),
    published: isoDateOf(cell(columns.published)),
    categories: splitCategories(cell(columns.labels)),
    sourceFormat: "csv" as const,
    sourceFile: file,
    extra: null
  })
}

const readRows = (text: string, file: string): Result.Result<Array<Row>, InputError> => {
  const firstLine = text.trimStart().split("\n", 1)[0] ?? ""
  try {
    const rows = parse(text, {
      delimiter: csvDelimiter(firstLine),
      bom: true,
      info: true,
      skip_empty_lines: true,
      // Rows of the wrong width become one row's error (skippable), not the whole file's.
      relax_column_count: true
    }) as unknown as Array<Row> // `info: true` wraps each record as {record, info}; the typings miss that overload.
    return Result.succeed(rows)
  } catch (cause) {
    return Result.fail(
      new InputError({
        file,
        ...(cause instanceof CsvError && typeof cause.lines === "number" ? { line: cause.lines } : {}),
        reason: `not valid CSV (${cause instanceof Error ? cause.message : String(cause)})`,
        hint: "A cell holding the separator, a quote or a line break must be in double quotes, with inner quotes " +
          "doubled (RFC 4180); a quote left open usually means the file is cut off."
      })
    )
  }
}

export const parseCsv = Effect.fnUntraced(function*(
  text: string,
  file: string,
  skipBadRecords: boolean
): Effect.fn.Return<Records, InputError> {
  const [headerRow, ...rows] = yield* Effect.fromResult(readRows(text, file))
  const header = (headerRow?.record ?? []).map((cell) => cell.trim().toLowerCase())
  const columns = columnsOf(header)
  if (columns.title < 0) {
    return yield* new InputError({
      file,
      line: headerRow?.info.lines ?? 1,
      reason: `the header row has no "title" column (found: ${header.map((name) => `"${name}"`).join(", ")})`,
      hint: "The first row must name the columns; call the paper titles' column \"title\" and the abstracts' \"abstract\"."
    })
  }
  const collector = new Collector(skipBadRecords)
  for (const row of rows) {
    const stop = collector.add(rowPaper(row, columns, header.length, file))
    if (stop !== undefined) return yield* stop
  }
  return collector
})
