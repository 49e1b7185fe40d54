/**
 * A write's transaction and DuckDB's memory around it: the settings a database is opened with
 * for writing, the memory limits held while a run's papers, its classification and the rest of
 * it are written, and the begin, commit and rollback that restore them.
 */
import { totalmem } from "node:os"
import type { DuckDBConnection } from "@duckdb/node-api"
import { migrateKeyphrases, SCHEMA_STATEMENTS } from "./storeSchema.ts"
import { LEAF_MODEL_SCHEMA, migrateLeafWords } from "./storeLeafModels.ts"
import { VECTOR_SCHEMA } from "./storeVectors.ts"

/**
 * A run's appends go to disk a row group (122,880 rows) at a time as they are made. DuckDB's
 * default gathers five row groups per table before it writes them, and a run's transaction
 * appends to several tables at once: at 200,000 papers the store held 495 MB of uncommitted rows
 * in memory by its end, 255 MB with this setting (same store time).
 */
export const WRITE_SETTINGS = { write_buffer_row_group_count: "1" }

/**
 * DuckDB's memory while a run or remap is written. Its buffer pool otherwise keeps what each
 * insert wrote (the default limit is 80% of the machine's memory): a million-paper store grew by
 * 4 GB. Under the limit the inserts' joins and sorts spill to disk: at 2 GB, 1M peak RSS
 * 9.1–9.3 → 8.6 GB, store 43–45 s as before; at 1 GB the 1M store peaks at 6.1–6.4 GB instead of
 * 7.3, in 41–46 s (46 s at 2 GB). Lifted again after the commit, since the report's queries
 * cannot all spill. Left alone on a machine whose default is lower already.
 */
export const WRITE_MEMORY_LIMIT = 0.8 * totalmem() > 1024 ** 3 ? "1GB" : undefined

/** DuckDB's memory between a run's papers and the rest of it, while the run is classified (see `insertPapersOfRun`). */
export const CLASSIFY_MEMORY_LIMIT = "128MB"

/**
 * DuckDB's memory while a run's papers are written, beside the parsed papers (a million papers'
 * texts are 2 GB of heap by then): at 1 GB their write took 1.5 GB and the run's peak RSS was
 * there (4.8 GB at 1M); at 256 MB the stage peaks at 4.2 GB, in the same time (17.7 s).
 */
export const PAPERS_MEMORY_LIMIT = "256MB"

/**
 * Lets DuckDB's buffer pool go of the blocks it keeps cached, its memory limit as it was: a 1M
 * remap's load left 2 GB of them (the run's vectors as read) beside the map, whose peak was then
 * 6.2 GB. Lowering the limit evicts them; a limit that cannot be lowered (blocks in use) leaves them.
 */
export const dropCachedBlocks = async (connection: DuckDBConnection): Promise<void> => {
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

export const setMemoryLimit = (connection: DuckDBConnection, limit: string) => connection.run(`set memory_limit = '${limit}'`)

/** DuckDB's memory limit before a transaction lowered it (`WRITE_MEMORY_LIMIT` or `PAPERS_MEMORY_LIMIT`), to restore after it. */
export type SavedLimit = string | undefined

/**
 * Begins the transaction of a run or remap, with the schema: until its commit nothing is visible,
 * and a failure, an interruption (rolled back) or SIGKILL (DuckDB discards uncommitted work on the
 * next open) leaves the database as it was. The schema is (re)created here rather than on open, so
 * that opening a database for a run that then fails changes no byte. DuckDB's memory is held to
 * `writing` meanwhile (`WRITE_MEMORY_LIMIT` unless told otherwise; on a machine where its default
 * is lower already, left alone).
 */
export const beginTransaction = async (connection: DuckDBConnection, writing?: string): Promise<SavedLimit> => {
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
export const endTransaction = async (connection: DuckDBConnection, limit: SavedLimit, commit: boolean): Promise<void> => {
  try {
    await connection.run(commit ? "commit" : "rollback")
  } finally {
    if (limit !== undefined) await setMemoryLimit(connection, limit).catch(() => undefined)
  }
}

/** `work` inside the open transaction, rolled back if it fails; committed after it when `commit`. */
export const withinTransaction = async <A>(connection: DuckDBConnection, limit: SavedLimit, commit: boolean, work: () => Promise<A>): Promise<A> => {
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
