/**
 * The report stage: a run's CSV files, built from the database alone (so that
 * `papersort report` rebuilds exactly what `run` wrote), into `DIR/<run_id>/` and
 * `DIR/latest/`. Files are written to a temporary folder and renamed into place,
 * so a failure never leaves half a report.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { copyFile } from "node:fs/promises"
import { join } from "node:path"
import { stringify } from "csv-stringify/sync"
import { Effect } from "effect"
import { DatabaseError, UsageError } from "./domain.ts"
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
  const kind = (yield* store.query(`select kind from runs where run_id = ${quoteLiteral(runId)}`)).rows[0]?.kind
  const directory = join(outDir, runId)
  const latest = join(outDir, "latest")
  // Both folders are written in full beside their final place, then renamed into it.
  const staged = [directory, latest].map((target) => ({ target, staged: join(outDir, `.staging-${runId}-${target === latest ? "latest" : "run"}`) }))
  const reports = REPORTS.filter((report) => report.remapOnly !== true || kind === "remap")
  const sqlOf = (report: (typeof REPORTS)[number]) => report.sql.replaceAll("$run", quoteLiteral(runId))
  const writeBoth = (file: string, text: string) => {
    for (const { staged: folder } of staged) writeFileSync(join(folder, file), text)
  }
  const written = Effect.gen(function*() {
    yield* Effect.sync(() => {
      for (const { staged: folder } of staged) {
        rmSync(folder, { recursive: true, force: true })
        mkdirSync(folder, { recursive: true })
      }
    })
    // A file DuckDB writes itself (`papers.csv`) is written on the store's second connection
    // while the other files are made on the first, then copied to the other folder by the file
    // system's threads: a 40,000-paper report took 0.5–0.6 s of one thread for it.
    const copied = Effect.forEach(reports.filter((report) => report.copy === true), (report) => {
      const [first, second] = staged.map(({ staged: folder }) => join(folder, report.file))
      return store.copyToFile(sqlOf(report), first).pipe(Effect.andThen(Effect.promise(() => copyFile(first, second))))
    }, { discard: true })
    // Each other CSV file's rows, read once: the page shows the same topics, suggestions and changes.
    const made = Effect.gen(function*() {
      const csvRows = new Map<string, ReadonlyArray<Record<string, unknown>>>()
      for (const report of reports.filter((report) => report.copy !== true)) {
        const result = yield* store.query(sqlOf(report))
        csvRows.set(report.file, result.rows)
        writeBoth(report.file, toCsv(report.columns, result.rows))
      }
      writeBoth("index.html", renderReportHtml(yield* loadReportData(runId, csvRows)))
      return csvRows
    })
    const [, csvRows] = yield* Effect.all([copied, made], { concurrency: 2 })
    yield* Effect.sync(() => staged.forEach(({ staged: folder, target }) => replaceDirectory(folder, target)))
    return csvRows
  })
  const csvRows = yield* written.pipe(
    Effect.ensuring(Effect.sync(() => staged.forEach(({ staged: folder }) => rmSync(folder, { recursive: true, force: true })))),
    // The run itself is stored by now: say so, and how to get its reports once the cause is fixed.
    Effect.mapError((error) =>
      new DatabaseError({
        file: error.file,
        reason: `writing the reports of run ${runId}: ${error.reason}`,
        hint: `The run is stored in the database; \`papersort report --run ${runId}\` writes its reports again.`
      })
    )
  )
  return {
    directory,
    latest,
    files: [...reports.map((report) => report.file), "index.html"],
    suggestions: csvRows.get("suggestions.csv")?.length ?? 0,
    moved: csvRows.get("changes.csv")?.length ?? 0
  } satisfies WrittenReports
})
