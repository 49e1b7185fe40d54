/**
 * The store stage: the only code that talks to DuckDB. A run is written in one
 * transaction through the appender, so a failed or killed run leaves the database
 * as it was; and nothing is written before that transaction, so a run that fails
 * earlier (bad input) leaves the file byte-for-byte unchanged.
 */
import { existsSync, mkdirSync } from "node:fs"
import { totalmem } from "node:os"
import { dirname } from "node:path"
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { Context, Effect, Layer } from "effect"
import type { RemapRecord, RunRecord } from "./runRecord.ts"
import { quoteLiteral } from "./sql.ts"
import { DatabaseError, type Paper } from "./domain.ts"
import { normalizedTitle } from "./parse/identity.ts"
import { appendRows, insertKeyphrases, insertPapers, insertRunPapers, stageStrings } from "./storeColumns.ts"
import { appendTopics, clusterRows, runRow } from "./storeRows.ts"
import { migrateKeyphrases, SCHEMA_STATEMENTS, tableExists } from "./storeSchema.ts"
import { LEAF_MODEL_SCHEMA, migrateLeafWords } from "./storeLeafModels.ts"
import { appendVectors, loadStoredRun, type StoredRun, VECTOR_SCHEMA } from "./storeVectors.ts"

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
    const settled = work(controller.signal).then(
      (value) => resume(Effect.succeed(value)),
      (cause) => resume(Effect.fail(failure(file, what)(cause)))
    )
    return Effect.promise(() => {
      controller.abort()
      return settled
    })
  })

/** Incoming paper id → the id the database stores that paper under (same id, same arXiv id, or same title). */
const lookUpKnown = async (connection: DuckDBConnection, papers: ReadonlyArray<Paper>): Promise<Map<string, string>> => {
  if (!(await tableExists(connection, "papers"))) return new Map()
  await connection.run("create or replace temp table incoming (paper_id varchar, arxiv_id varchar, title_key varchar)")
  await appendRows(connection, "incoming", papers.map((paper) => [paper.paperId, paper.arxivId, normalizedTitle(paper.title)]))
  // Two different arXiv ids with one title are two papers, as in dedupe.ts.
  const reader = await connection.runAndReadAll(
    `select i.paper_id as incoming_id, min(p.paper_id) as stored_id from incoming i join papers p
       on p.paper_id = i.paper_id or (i.arxiv_id is not null and p.arxiv_id = i.arxiv_id)
       or (p.title_key = i.title_key and (p.arxiv_id is null or i.arxiv_id is null))
     group by i.paper_id`
  )
  await connection.run("drop table incoming")
  return new Map(reader.getRowObjectsJson().map((row) => [String(row.incoming_id), String(row.stored_id)]))
}

/** Later runs may fill in what an earlier dump lacked (an hf-page paper's arXiv id); they never overwrite it. */
const fillInMetadata = async (connection: DuckDBConnection, known: ReadonlyArray<Paper>) => {
  await connection.run("create or replace temp table metadata (paper_id varchar, arxiv_id varchar, authors varchar[], published varchar, categories varchar[], abstract varchar)")
  await appendRows(connection, "metadata", (function*() {
    for (const paper of known) yield [paper.paperId, paper.arxivId, [...paper.authors], paper.published, [...paper.categories], paper.abstract]
  })())
  await connection.run(`update papers set
      arxiv_id = coalesce(papers.arxiv_id, m.arxiv_id),
      authors = case when len(papers.authors) = 0 then m.authors else papers.authors end,
      published = coalesce(papers.published, m.published),
      categories = case when len(papers.categories) = 0 then m.categories else papers.categories end,
      abstract = case when papers.abstract = '' then m.abstract else papers.abstract end
    from metadata m where papers.paper_id = m.paper_id`)
  await connection.run("drop table metadata")
}

/**
 * A remap's rows: its topics from here, its papers' clusters and map coordinates copied
 * from the source run inside the database (no round trip through JavaScript); its
 * keyphrases are the source's, through the view `keyphrases` (params.keyphrases_from).
 * Runs inside the caller's transaction.
 */
const insertRemap = async (connection: DuckDBConnection, record: RemapRecord, signal: AbortSignal): Promise<number> => {
  const append = (table: string, rows: Iterable<ReadonlyArray<unknown>>) => {
    signal.throwIfAborted()
    return appendRows(connection, table, rows)
  }
  const [runId, source] = [quoteLiteral(record.runId), quoteLiteral(record.parentRunId)]
  await append("runs", [runRow(record, "remap", record.paperIds.length)])
  await connection.run(`insert into run_papers select ${runId}, paper_id, cluster_id, x, y from run_papers where run_id = ${source}`)
  await connection.run(`insert into clusters select ${runId}, cluster_id, size, label, top_terms from clusters where run_id = ${source}`)
  await stageStrings(connection, "staged_paper_ids", record.paperIds)
  await appendTopics(connection, append, record, "staged_paper_ids")
  await connection.run("drop table staged_paper_ids")
  return 0
}

/** Every row of one run, table by table, stopping between tables once `signal` aborts. Runs inside the caller's transaction. */
const insertRun = async (connection: DuckDBConnection, record: RunRecord, signal: AbortSignal): Promise<number> => {
  const { runId } = record
  const append = (table: string, rows: Iterable<ReadonlyArray<unknown>>) => {
    signal.throwIfAborted()
    return appendRows(connection, table, rows)
  }
  const existing = await connection.runAndReadAll("select paper_id from papers")
  const stored = new Set(existing.getColumnsJson()[0]?.map(String) ?? [])
  const newPapers = new Set(record.papers.map((paper) => paper.paperId).filter((id) => !stored.has(id)))
  await append("runs", [runRow(record, record.kind, record.papers.length)])
  signal.throwIfAborted()
  await insertPapers(connection, runId, record.papers, (paper) => newPapers.has(paper.paperId))
  await fillInMetadata(connection, record.papers.filter((paper) => !newPapers.has(paper.paperId)))
  // Each paper's id once, by position: the longest tables join it in inside the database.
  signal.throwIfAborted()
  const paperIds = record.papers.map((paper) => paper.paperId)
  await stageStrings(connection, "staged_paper_ids", paperIds)
  await appendTopics(connection, append, record, "staged_paper_ids")
  // A remap reuses its source run's vectors (params.vectors_from); a run stores its own.
  if (record.vectors !== null) {
    signal.throwIfAborted()
    await appendVectors(connection, runId, paperIds, record.clusterOfPaper, record.vectors)
  }
  // Last: the keyphrases, cluster labels and map coordinates come from second threads that ran beside the writes above.
  const { clusters, coordinates, keyphrases } = await record.finishing
  signal.throwIfAborted()
  await insertKeyphrases(connection, runId, "staged_paper_ids", keyphrases)
  await append("clusters", clusterRows(runId, clusters))
  await insertRunPapers(connection, runId, "staged_paper_ids", { clusterOfPaper: record.clusterOfPaper, ...coordinates })
  await connection.run("drop table staged_paper_ids")
  return newPapers.size
}

/**
 * One transaction for the schema and the run: until `commit`, nothing is visible,
 * and a failure, an interruption (rolled back here) or SIGKILL (DuckDB discards
 * uncommitted work on the next open) leaves the database as it was. The schema is
 * (re)created here rather than on open, so that opening a database for a run that
 * then fails changes no byte.
 */
const writeInTransaction = async <R>(connection: DuckDBConnection, record: R, signal: AbortSignal, insert: (connection: DuckDBConnection, record: R, signal: AbortSignal) => Promise<number>): Promise<number> => {
  // Restored by value after the commit: `reset memory_limit` left a 1M run's report at the lower limit.
  const limit = WRITE_MEMORY_LIMIT === undefined
    ? undefined
    : String((await connection.runAndReadAll("select current_setting('memory_limit')")).getRowsJson()[0]?.[0])
  if (limit !== undefined) await connection.run(`set memory_limit = '${WRITE_MEMORY_LIMIT}'`)
  await connection.run("begin transaction")
  try {
    await migrateKeyphrases(connection)
    for (const statement of [...SCHEMA_STATEMENTS, ...VECTOR_SCHEMA, ...LEAF_MODEL_SCHEMA]) await connection.run(statement)
    await migrateLeafWords(connection)
    const newPapers = await insert(connection, record, signal)
    signal.throwIfAborted()
    await connection.run("commit")
    return newPapers
  } catch (cause) {
    await connection.run("rollback").catch(() => undefined)
    throw cause
  } finally {
    if (limit !== undefined) await connection.run(`set memory_limit = '${limit}'`).catch(() => undefined)
  }
}

/**
 * A run's appends go to disk a row group (122,880 rows) at a time as they are made. DuckDB's
 * default gathers five row groups per table before it writes them, and a run's transaction
 * appends to several tables at once: at 200,000 papers the store held 495 MB of uncommitted rows
 * in memory by its end, 255 MB with this setting (same store time).
 */
const WRITE_SETTINGS = { write_buffer_row_group_count: "1" }

/**
 * DuckDB's memory while a run or remap is written. Its buffer pool otherwise keeps what each
 * insert wrote (the default limit is 80% of the machine's memory): a million-paper store grew by
 * 4 GB. Under the limit the inserts' joins and sorts spill to disk: at 2 GB, 1M peak RSS
 * 9.1–9.3 → 8.6 GB, store 43–45 s as before; at 1 GB the 1M store peaks at 6.1–6.4 GB instead of
 * 7.3, in 41–46 s (46 s at 2 GB). Lifted again after the commit, since the report's queries
 * cannot all spill. Left alone on a machine whose default is lower already.
 */
const WRITE_MEMORY_LIMIT = 0.8 * totalmem() > 1024 ** 3 ? "1GB" : undefined

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
  writeRun(record: RunRecord): Effect.Effect<{ readonly newPapers: number }, DatabaseError>
  writeRemap(record: RemapRecord): Effect.Effect<void, DatabaseError>
  /** A stored run with its vectors and clusters, as `remap` needs it. */
  loadRun(runId: string): Effect.Effect<StoredRun, DatabaseError>
  query(sql: string): Effect.Effect<QueryResult, DatabaseError>
  /** `query` by column, for results of a row per paper: a million rows as objects took 1.9 s to convert, as columns 0.3 s. */
  queryColumns(sql: string): Effect.Effect<ColumnsResult, DatabaseError>
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
        const connection = yield* Effect.acquireRelease(
          Effect.tryPromise({ try: () => instance.connect(), catch: (cause) => openError(file, cause) }),
          (connection) => Effect.sync(() => connection.closeSync())
        )

        const resolveIdentities = Effect.fn("Store.resolveIdentities")(function*(papers: ReadonlyArray<Paper>) {
          const known = yield* duckdb(file, "looking up known papers", () => lookUpKnown(connection, papers))
          return papers.map((paper) => {
            const stored = known.get(paper.paperId)
            return stored === undefined || stored === paper.paperId ? paper : { ...paper, paperId: stored }
          })
        })

        const writeRun = Effect.fn("Store.writeRun")(function*(record: RunRecord) {
          const newPapers = yield* duckdb(file, "writing the run", (signal) => writeInTransaction(connection, record, signal, insertRun))
          return { newPapers }
        })

        const writeRemap = Effect.fn("Store.writeRemap")(function*(record: RemapRecord) {
          yield* duckdb(file, "writing the remap", (signal) => writeInTransaction(connection, record, signal, insertRemap))
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
          return yield* duckdb(file, `loading run ${runId}`, () => loadStoredRun(connection, runId))
        })

        return Store.of({ file, resolveIdentities, writeRun, writeRemap, loadRun, query, queryColumns })
      })
    )
}
