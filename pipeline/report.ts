/**
 * The report stage: a run's CSV files, built from the database alone (so that
 * `papersort report` rebuilds exactly what `run` wrote), into `DIR/<run_id>/` and
 * `DIR/latest/`. Files are written to a temporary folder and renamed into place,
 * so a failure never leaves half a report.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { stringify } from "csv-stringify/sync"
import { Effect } from "effect"
import { UsageError } from "./domain.ts"
import { loadReportData } from "./reportData.ts"
import { renderReportHtml } from "./reportHtml.ts"
import { REPORTS } from "./reportQueries.ts"
import { quoteLiteral } from "./sql.ts"
import { Store } from "./store.ts"

/** A cell that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice). */
export const escapeFormula = (cell: unknown): unknown =>
  typeof cell === "string" && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell

export const toCsv = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Record<string, unknown>>): string =>
  stringify(rows.map((row) => columns.map((column) => escapeFormula(row[column]))), {
    header: true,
    columns: [...columns],
    record_delimiter: "\r\n",
    cast: { number: (value) => String(value) }
  })


export interface WrittenReports {
  readonly directory: string
  readonly latest: string
  readonly files: ReadonlyArray<string>
  readonly suggestions: number
  /** Papers whose primary topic changed (a remap's changes.csv rows); 0 for a run. */
  readonly moved: number
}

const replaceDirectory = (staged: string, target: string) => {
  const previous = `${target}.previous`
  rmSync(previous, { recursive: true, force: true })
  if (existsSync(target)) renameSync(target, previous)
  renameSync(staged, target)
  rmSync(previous, { recursive: true, force: true })
}

/**
 * `--out` must be a folder or not exist yet. Checked before a run starts: found only
 * when the reports are written, it would fail a run whose results are already stored.
 */
export const checkReportsFolder = Effect.fn("report.checkFolder")(function*(outDir: string) {
  const isFile = yield* Effect.sync(() => existsSync(outDir) && !statSync(outDir).isDirectory())
  if (isFile) {
    return yield* new UsageError({
      reason: `--out ${outDir} is a file, not a folder`,
      hint: "Pass --out with a folder for the reports; it is created if missing."
    })
  }
})

export const writeReports = Effect.fn("report.write")(function*(runId: string, outDir: string) {
  const store = yield* Store
  const files: Array<{ file: string; text: string }> = []
  const kind = (yield* store.query(`select kind from runs where run_id = ${quoteLiteral(runId)}`)).rows[0]?.kind
  // Each CSV file's rows, read once: the page shows the same topics, suggestions and changes.
  const csvRows = new Map<string, ReadonlyArray<Record<string, unknown>>>()
  for (const report of REPORTS) {
    if (report.remapOnly === true && kind !== "remap") continue
    const result = yield* store.query(report.sql.replaceAll("$run", quoteLiteral(runId)))
    csvRows.set(report.file, result.rows)
    files.push({ file: report.file, text: toCsv(report.columns, result.rows) })
  }
  files.push({ file: "index.html", text: renderReportHtml(yield* loadReportData(runId, csvRows)) })
  const directory = join(outDir, runId)
  const latest = join(outDir, "latest")
  yield* Effect.sync(() => {
    for (const target of [directory, latest]) {
      const staged = join(outDir, `.staging-${runId}-${target === latest ? "latest" : "run"}`)
      rmSync(staged, { recursive: true, force: true })
      mkdirSync(staged, { recursive: true })
      for (const { file, text } of files) writeFileSync(join(staged, file), text)
      replaceDirectory(staged, target)
    }
  })
  return {
    directory,
    latest,
    files: files.map(({ file }) => file),
    suggestions: csvRows.get("suggestions.csv")?.length ?? 0,
    moved: csvRows.get("changes.csv")?.length ?? 0
  } satisfies WrittenReports
})
