/**
 * The store stage: the only code that talks to DuckDB. A run is written in one
 * transaction through the appender (its papers first, before they are classified; the
 * rest after the map), so a failed or killed run leaves the database as it was; and
 * nothing is written before that transaction, so a run that fails earlier (bad input)
 * leaves the file byte-for-byte unchanged.
 */
import { existsSync, mkdirSync } from "node:fs"
import { totalmem } from "node:os"
import { dirname } from "node:path"
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { Context, Effect, Layer, Scope } from "effect"
import { type RemapRecord, type RunRecord, takenOnce } from "./runRecord.ts"
import { releaseHeapPages } from "./collectGarbage.ts"
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
const insertRemap = async (connection: DuckDBConnection, record: RemapRecord, signal: AbortSignal): Promise<void> => {
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
  signal.throwIfAborted()
}

/**
 * A run's papers, the first rows of its transaction (written before the run is classified, so
 * that their texts need not stay in memory through the classification): new papers whole, known
 * ones' missing metadata filled in, and every paper's id staged by position for the run's longest
 * tables. Returns how many papers are new to the database.
 */
const insertPapersOfRun = async (connection: DuckDBConnection, runId: string, papers: ReadonlyArray<Paper>, signal: AbortSignal): Promise<number> => {
  const existing = await connection.runAndReadAll("select paper_id from papers")
  const stored = new Set(existing.getColumnsJson()[0]?.map(String) ?? [])
  const newPapers = new Set(papers.map((paper) => paper.paperId).filter((id) => !stored.has(id)))
  signal.throwIfAborted()
  await insertPapers(connection, runId, papers, (paper) => newPapers.has(paper.paperId))
  await fillInMetadata(connection, papers.filter((paper) => !newPapers.has(paper.paperId)))
  // Each paper's id once, by position: the longest tables join it in inside the database.
  signal.throwIfAborted()
  await stageStrings(connection, "staged_paper_ids", papers.map((paper) => paper.paperId))
  // While the run is classified DuckDB needs next to nothing: its buffers for the papers just
  // written go back (at 200,000 papers RSS during the classification 2.0-3.4 -> 1.3-2.6 GB).
  if (WRITE_MEMORY_LIMIT !== undefined) await setMemoryLimit(connection, CLASSIFY_MEMORY_LIMIT)
  return newPapers.size
}

/** The rest of one run, table by table, stopping between tables once `signal` aborts; inside the transaction that `insertPapersOfRun` wrote its papers in. */
const insertRun = async (connection: DuckDBConnection, record: RunRecord, signal: AbortSignal): Promise<void> => {
  const { runId } = record
  const append = (table: string, rows: Iterable<ReadonlyArray<unknown>>) => {
    signal.throwIfAborted()
    return appendRows(connection, table, rows)
  }
  if (WRITE_MEMORY_LIMIT !== undefined) await setMemoryLimit(connection, WRITE_MEMORY_LIMIT)
  await append("runs", [runRow(record, record.kind, record.paperIds.length)])
  await appendTopics(connection, append, record, "staged_paper_ids")
  // Each part is let go once written (`TakenOnce`), and its memory given back before the next.
  releaseHeapPages()
  // A remap reuses its source run's vectors (params.vectors_from); a run stores its own.
  if (record.vectors !== null) {
    signal.throwIfAborted()
    await appendVectors(connection, runId, record.paperIds, record.clusterOfPaper, record.vectors())
  }
  // Last: the keyphrases, cluster labels and map coordinates come from second threads that ran beside the writes above.
  const { clusters, coordinates, keyphrases } = await record.finishing
  releaseHeapPages()
  signal.throwIfAborted()
  await insertKeyphrases(connection, runId, record.paperIds, keyphrases)
  await append("clusters", clusterRows(runId, clusters))
  await insertRunPapers(connection, runId, "staged_paper_ids", { clusterOfPaper: record.clusterOfPaper, ...coordinates })
  await connection.run("drop table staged_paper_ids")
  // Stopped by now: rolled back rather than committed.
  signal.throwIfAborted()
}

/**
 * Lets DuckDB's buffer pool go of the blocks it keeps cached, its memory limit as it was: a 1M
 * remap's load left 2 GB of them (the run's vectors as read) beside the map, whose peak was then
 * 6.2 GB. Lowering the limit evicts them; a limit that cannot be lowered (blocks in use) leaves them.
 */
const dropCachedBlocks = async (connection: DuckDBConnection): Promise<void> => {
  const limit = await currentMemoryLimit(connection)
  try {
    await setMemoryLimit(connection, CLASSIFY_MEMORY_LIMIT)
  } catch {
    // Nothing evicted: the same limit, the same memory.
  } finally {
    await setMemoryLimit(connection, limit)
  }
}

const currentMemoryLimit = async (connection: DuckDBConnection): Promise<string> =>
  String((await connection.runAndReadAll("select current_setting('memory_limit')")).getRowsJson()[0]?.[0])

const setMemoryLimit = (connection: DuckDBConnection, limit: string) => connection.run(`set memory_limit = '${limit}'`)

/** DuckDB's memory limit before a transaction lowered it (`WRITE_MEMORY_LIMIT` or `PAPERS_MEMORY_LIMIT`), to restore after it. */
type SavedLimit = string | undefined

/**
 * Begins the transaction of a run or remap, with the schema: until its commit nothing is visible,
 * and a failure, an interruption (rolled back) or SIGKILL (DuckDB discards uncommitted work on the
 * next open) leaves the database as it was. The schema is (re)created here rather than on open, so
 * that opening a database for a run that then fails changes no byte. DuckDB's memory is held to
 * `writing` meanwhile (`WRITE_MEMORY_LIMIT` unless told otherwise; on a machine where its default
 * is lower already, left alone).
 */
const beginTransaction = async (connection: DuckDBConnection, writing?: string): Promise<SavedLimit> => {
  const held = WRITE_MEMORY_LIMIT === undefined ? undefined : (writing ?? WRITE_MEMORY_LIMIT)
  // Restored by value after the commit: `reset memory_limit` left a 1M run's report at the lower limit.
  const limit = held === undefined ? undefined : await currentMemoryLimit(connection)
  if (held !== undefined) await setMemoryLimit(connection, held)
  await connection.run("begin transaction")
  try {
    await migrateKeyphrases(connection)
    for (const statement of [...SCHEMA_STATEMENTS, ...VECTOR_SCHEMA, ...LEAF_MODEL_SCHEMA]) await connection.run(statement)
    await migrateLeafWords(connection)
  } catch (cause) {
    await endTransaction(connection, limit, false).catch(() => undefined)
    throw cause
  }
  return limit
}

/** Commits (or rolls back) the transaction `beginTransaction` began, and restores the memory limit. */
const endTransaction = async (connection: DuckDBConnection, limit: SavedLimit, commit: boolean): Promise<void> => {
  try {
    await connection.run(commit ? "commit" : "rollback")
  } finally {
    if (limit !== undefined) await setMemoryLimit(connection, limit).catch(() => undefined)
  }
}

/** `work` inside the open transaction, rolled back if it fails; committed after it when `commit`. */
const withinTransaction = async <A>(connection: DuckDBConnection, limit: SavedLimit, commit: boolean, work: () => Promise<A>): Promise<A> => {
  let result: A
  try {
    result = await work()
  } catch (cause) {
    await endTransaction(connection, limit, false).catch(() => undefined)
    throw cause
  }
  if (commit) await endTransaction(connection, limit, true)
  return result
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

/** DuckDB's memory between a run's papers and the rest of it, while the run is classified (see `insertPapersOfRun`). */
const CLASSIFY_MEMORY_LIMIT = "128MB"

/**
 * DuckDB's memory while a run's papers are written, beside the parsed papers (a million papers'
 * texts are 2 GB of heap by then): at 1 GB their write took 1.5 GB and the run's peak RSS was
 * there (4.8 GB at 1M); at 256 MB the stage peaks at 4.2 GB, in the same time (17.7 s).
 */
const PAPERS_MEMORY_LIMIT = "256MB"

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
