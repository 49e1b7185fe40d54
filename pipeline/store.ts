/**
 * The store stage (with the other store*.ts modules): the only code that talks to DuckDB. A
 * run is written in one transaction through the appender (its papers first, before they are
 * classified; the rest after the map), so a failed or killed run leaves the database as it
 * was; and nothing is written before that transaction, so a run that fails earlier (bad
 * input) leaves the file byte-for-byte unchanged.
 */
import { existsSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Context, Effect, Layer, Scope } from "effect"
import { type RemapRecord, type RunRecord, takenOnce } from "./runRecord.ts"
import { quoteLiteral } from "./sql.ts"
import { DatabaseError, type Paper } from "./domain.ts"
import { beginTransaction, dropCachedBlocks, endTransaction, PAPERS_MEMORY_LIMIT, type SavedLimit, withinTransaction, WRITE_SETTINGS } from "./storeTransaction.ts"
import { insertPapersOfRun, insertRemap, insertRun, lookUpKnown } from "./storeWrites.ts"
import { loadStoredRun, type StoredRun } from "./storeVectors.ts"

export interface QueryResult {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Record<string, unknown>>
}

/** A query's values column by column (`values[c][r]`, as JSON values): no object per row. */
export interface ColumnsResult {
  readonly columns: ReadonlyArray<string>
  readonly values: ReadonlyArray<ReadonlyArray<unknown>>
}

export interface StoreOptions {
  readonly file: string
  readonly readOnly: boolean
}

/** DuckDB's own messages, turned into what the user should do. */
const openError = (file: string, cause: unknown): DatabaseError => {
  const text = cause instanceof Error ? cause.message : String(cause)
  if (/Could not set lock|Conflicting lock/i.test(text)) {
    return new DatabaseError({
      file,
      reason: "the database is in use by another papersort (or DuckDB) process",
      hint: "Wait for the other run to finish, or pass --db with another file."
    })
  }
  if (/not a valid DuckDB database|unable to open|Invalid Input Error|IO Error/i.test(text) && !/No such file/i.test(text)) {
    return new DatabaseError({
      file,
      reason: `this is not a DuckDB database papersort can open (${text.split("\n")[0]})`,
      hint: "Pass --db with a new file name or an existing papersort database; the file was not changed."
    })
  }
  return new DatabaseError({ file, reason: `cannot open the database (${text.split("\n")[0]})`, hint: "Check the path and its permissions." })
}

/**
 * Fails fast when the database is held by another process or is no DuckDB file,
 * before a run spends minutes on parsing. It opens the file read-only and closes it
 * at once, which changes no byte (opening for writing may); a missing file passes,
 * as the run will create it.
 */
export const checkDatabase = Effect.fn("Store.checkDatabase")(function*(file: string) {
  if (!(yield* Effect.sync(() => existsSync(file)))) return
  yield* Effect.tryPromise({
    try: async () => (await DuckDBInstance.create(file, { access_mode: "READ_ONLY" })).closeSync(),
    catch: (cause) => openError(file, cause)
  })
})

const failure = (file: string, what: string) => (cause: unknown) =>
  new DatabaseError({
    file,
    reason: `${what} failed (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)})`,
    hint: "The database was left as it was before this command; report this if it repeats."
  })

/**
 * DuckDB work as an Effect that an interruption (Ctrl-C, SIGTERM) does not cut
 * short: it asks the work to stop at its next step and waits until it has. The
 * connection is closed when the command's scope ends, and closing it under a running
 * statement crashes or deadlocks DuckDB; a write that stops rolls back.
 */
const duckdb = <A>(file: string, what: string, work: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, DatabaseError> =>
  Effect.callback<A, DatabaseError>((resume) => {
    const controller = new AbortController()
    const settled = resumeWhenSettled(work(controller.signal), resume, file, what)
    return Effect.promise(() => {
      controller.abort()
      return settled
    })
  })

/**
 * The command goes on inside these callbacks, up to its next wait: made here, apart from
 * `duckdb`'s scope, they do not keep its `work` alive meanwhile, nor what that holds (a run's
 * papers, written before the run is classified, stayed in memory through the classification).
 */
const resumeWhenSettled = <A>(work: Promise<A>, resume: (effect: Effect.Effect<A, DatabaseError>) => void, file: string, what: string) =>
  work.then(
    (value) => resume(Effect.succeed(value)),
    (cause) => resume(Effect.fail(failure(file, what)(cause)))
  )

const openInstance = (options: StoreOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => {
        if (!options.readOnly) mkdirSync(dirname(options.file), { recursive: true })
        return DuckDBInstance.create(options.file, options.readOnly ? { access_mode: "READ_ONLY" } : WRITE_SETTINGS)
      },
      catch: (cause) => openError(options.file, cause)
    }),
    (instance) => Effect.sync(() => instance.closeSync())
  )

export class Store extends Context.Service<Store, {
  readonly file: string
  /** The stored id of each paper that the database already knows (by arXiv id, else by title). */
  resolveIdentities(papers: ReadonlyArray<Paper>): Effect.Effect<ReadonlyArray<Paper>, DatabaseError>
  /**
   * Begins a run's transaction with its papers (run id `runId`): written before they are
   * classified, so that their texts need not be kept meanwhile. `writeRun` writes the rest and
   * commits; `abandonRun` rolls back a run that stops between them. Returns how many papers are
   * new to the database.
   */
  beginRun(runId: string, papers: ReadonlyArray<Paper>): Effect.Effect<{ readonly newPapers: number }, DatabaseError>
  /** The titles and abstracts of the papers `beginRun` wrote, in their order, as the database holds them. */
  readonly begunRunTexts: Effect.Effect<ReadonlyArray<{ readonly title: string; readonly abstract: string }>, DatabaseError>
  writeRun(record: RunRecord): Effect.Effect<void, DatabaseError>
  /** Rolls back the run `beginRun` began, if it is still open (a run stopped before its `writeRun` ended). */
  readonly abandonRun: Effect.Effect<void>
  writeRemap(record: RemapRecord): Effect.Effect<void, DatabaseError>
  /** A stored run with its vectors and clusters, as `remap` needs it. */
  loadRun(runId: string): Effect.Effect<StoredRun, DatabaseError>
  query(sql: string): Effect.Effect<QueryResult, DatabaseError>
  /** `query` by column, for results of a row per paper: a million rows as objects took 1.9 s to convert, as columns 0.3 s. */
  queryColumns(sql: string): Effect.Effect<ColumnsResult, DatabaseError>
  /**
   * A query's result written by DuckDB as a CSV file (header, CRLF lines), on a connection of
   * its own: it runs beside the queries made meanwhile with the others above, and sees what
   * was committed before it began.
   */
  copyToFile(sql: string, file: string): Effect.Effect<void, DatabaseError>
}>()("papersort/Store") {
  /**
   * Opens the database, holding DuckDB's lock on it until the scope closes. Opening
   * writes nothing, also for writing: the schema comes with a run's transaction.
   */
  static readonly layer = (options: StoreOptions) =>
    Layer.effect(
      Store,
      Effect.gen(function*() {
        const { file } = options
        const instance = yield* openInstance(options)
        // A connection left open keeps the file locked after the instance closes.
        const connect = Effect.acquireRelease(
          Effect.tryPromise({ try: () => instance.connect(), catch: (cause) => openError(file, cause) }),
          (connection) => Effect.sync(() => connection.closeSync())
        )
        const connection = yield* connect
        /** `copyToFile`'s, opened the first time it is asked for and closed (first) with the others. */
        const copying = yield* Effect.cached(Scope.provide(yield* Scope.Scope)(connect))

        const resolveIdentities = Effect.fn("Store.resolveIdentities")(function*(papers: ReadonlyArray<Paper>) {
          const known = yield* duckdb(file, "looking up known papers", () => lookUpKnown(connection, papers))
          return papers.map((paper) => {
            const stored = known.get(paper.paperId)
            return stored === undefined || stored === paper.paperId ? paper : { ...paper, paperId: stored }
          })
        })

        /** The transaction `beginRun` left open for `writeRun`, with the memory limit to restore after it. */
        let begun: { readonly limit: SavedLimit } | undefined

        const beginRun = Effect.fn("Store.beginRun")(function*(runId: string, papers: ReadonlyArray<Paper>) {
          // The classification lets the papers go: the write must not keep them (see `takenOnce`).
          const toWrite = takenOnce(papers)
          const newPapers = yield* duckdb(file, "writing the run's papers", async (signal) => {
            const written = toWrite()
            if (begun !== undefined) throw new Error("a run's transaction is open already")
            const limit = await beginTransaction(connection, PAPERS_MEMORY_LIMIT)
            const count = await withinTransaction(connection, limit, false, () => insertPapersOfRun(connection, runId, written, signal))
            begun = { limit }
            return count
          })
          return { newPapers }
        })

        const begunRunTexts = duckdb(file, "reading the run's papers", async () => {
          const reader = await connection.runAndReadAll(
            "select p.title, p.abstract from staged_paper_ids s join papers p on p.paper_id = s.value order by s.id"
          )
          const [titles, abstracts] = reader.getColumnsJson()
          return (titles ?? []).map((title, i) => ({ title: String(title ?? ""), abstract: String(abstracts[i] ?? "") }))
        })

        const writeRun = Effect.fn("Store.writeRun")(function*(record: RunRecord) {
          // The report runs on after the write, beside DuckDB alone: the write must not keep the run.
          const toWrite = takenOnce(record)
          yield* duckdb(file, "writing the run", async (signal) => {
            const written = toWrite()
            const open = begun
            begun = undefined
            if (open === undefined) throw new Error("no run's transaction is open (Store.beginRun)")
            await withinTransaction(connection, open.limit, true, () => insertRun(connection, written, signal))
          })
        })

        const abandonRun = Effect.promise(async () => {
          const open = begun
          begun = undefined
          if (open !== undefined) await endTransaction(connection, open.limit, false).catch(() => undefined)
        })

        const writeRemap = Effect.fn("Store.writeRemap")(function*(record: RemapRecord) {
          yield* duckdb(file, "writing the remap", async (signal) => {
            const limit = await beginTransaction(connection)
            await withinTransaction(connection, limit, true, () => insertRemap(connection, record, signal))
          })
        })

        const query = Effect.fn("Store.query")(function*(sql: string) {
          return yield* duckdb(file, "the query", async (): Promise<QueryResult> => {
            const reader = await connection.runAndReadAll(sql)
            return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Array<Record<string, unknown>> }
          })
        })

        const queryColumns = Effect.fn("Store.queryColumns")(function*(sql: string) {
          return yield* duckdb(file, "the query", async (): Promise<ColumnsResult> => {
            const reader = await connection.runAndReadAll(sql)
            return { columns: reader.columnNames(), values: reader.getColumnsJson() }
          })
        })

        const loadRun = Effect.fn("Store.loadRun")(function*(runId: string) {
          return yield* duckdb(file, `loading run ${runId}`, async () => {
            const stored = await loadStoredRun(connection, runId)
            await dropCachedBlocks(connection)
            return stored
          })
        })

        const copyToFile = Effect.fn("Store.copyToFile")(function*(sql: string, target: string) {
          const side = yield* copying
          yield* duckdb(file, `writing ${target}`, () => side.run(`copy (${sql}) to ${quoteLiteral(target)} (header, new_line '\r\n')`))
        })

        return Store.of({ file, resolveIdentities, beginRun, begunRunTexts, writeRun, abandonRun, writeRemap, loadRun, query, queryColumns, copyToFile })
      })
    )
}
