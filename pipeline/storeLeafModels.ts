/**
 * What the map learned per leaf of a run (leafModels.ts), kept so that `remap` starts from it:
 * written inside the run's transaction by the store.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { fromColumns, leafColumns, type LeafModels } from "./leafModels.ts"
import { quoteIdentifier, quoteLiteral } from "./sql.ts"
import { appendRows, blobBytes, bytesOf } from "./storeColumns.ts"
import { columnExists, tableExists } from "./storeSchema.ts"

export const LEAF_MODEL_SCHEMA: ReadonlyArray<string> = [
  // What the map learned per leaf (leafModels.ts): its log prior here, and where its word log probabilities
  // over the vectors' vocabulary are (little-endian float32): the row of `words_position` in the table
  // leaf_words."<words_run_id>". A remap keeps a leaf's model while its own text is unchanged, and points
  // at the words it keeps. (Databases written before hold the words in `log_words`, the pointer null.)
  `create table if not exists leaf_models (run_id varchar not null, position integer not null, node_id varchar not null, fingerprint varchar not null, log_prior double not null, log_words blob not null)`,
  `alter table leaf_models add column if not exists words_run_id varchar`,
  `alter table leaf_models add column if not exists words_position integer`,
  // A table of its own per run: DuckDB rewrites the last row group of a table at each checkpoint that
  // appended to it, and one table of every run's words (a 40,000-paper run's: 24 MB) was rewritten whole
  // by every later run and remap (six runs' worth: 0.45 s; a million papers': 200 MB a run).
  `create schema if not exists leaf_words`
]

const wordsTable = (runId: string) => `leaf_words.${quoteIdentifier(runId)}`

/**
 * Words kept in `leaf_models` itself (databases written before the pointers) move to their run's own
 * table, once: left there, every later checkpoint would copy them again. Runs inside the write's
 * transaction, after the schema.
 */
export const migrateLeafWords = async (connection: DuckDBConnection) => {
  const runs = (await connection.runAndReadAll(
    "select distinct run_id from leaf_models where words_run_id is null order by run_id"
  )).getColumns()[0] ?? []
  if (runs.length === 0) return
  for (const runId of runs.map(String)) {
    await connection.run(`create table ${wordsTable(runId)} as select position, log_words from leaf_models where run_id = ${quoteLiteral(runId)} order by position`)
  }
  await connection.run("update leaf_models set words_run_id = run_id, words_position = position, log_words = ''::blob where words_run_id is null")
}

/**
 * Each leaf's model as one row of `leaf_models`; the words of the leaves the database does not hold
 * yet go to this run's own table, those of leaves kept from a stored run are pointed at.
 */
export const appendLeafModels = async (connection: DuckDBConnection, runId: string, models: LeafModels) => {
  const storedAt = models.nodeIds.map((_, l) => models.storedWords?.[l] ?? null)
  const newWords = storedAt.flatMap((at, l) => (at === null ? [l] : []))
  if (newWords.length > 0) {
    const columns = leafColumns(models)
    await connection.run(`create table ${wordsTable(runId)} (position integer not null, log_words blob not null)`)
    await appendRows(connection, runId, newWords.map((l) => [l, bytesOf(columns[l])]), "leaf_words")
  }
  await appendRows(connection, "leaf_models", models.nodeIds.map((nodeId, l) => {
    const at = storedAt[l] ?? { runId, position: l }
    return [runId, l, nodeId, models.fingerprints[l], models.logPrior[l], new Uint8Array(0), at.runId, at.position]
  }))
}

/** A run's leaf models; undefined for a run stored before they were. */
export const loadLeafModels = async (connection: DuckDBConnection, runId: string): Promise<LeafModels | undefined> => {
  if (!(await tableExists(connection, "leaf_models"))) return undefined
  // A database no run has written to since the pointers came has no pointer columns yet.
  const pointers = await columnExists(connection, "leaf_models", "words_run_id")
  const rows = (await connection.runAndReadAll(
    `select node_id, fingerprint, log_prior, ${pointers ? "words_run_id, words_position" : "null, null"}, log_words, position
     from leaf_models where run_id = ${quoteLiteral(runId)} order by position`
  )).getColumns()
  const count = rows[0]?.length ?? 0
  if (count === 0) return undefined
  // The words each leaf points at, read table by table; a row without a pointer holds its own.
  const words = new Map<string, Float32Array>()
  const byTable = new Map<string, Array<number>>()
  for (let l = 0; l < count; l++) {
    if (rows[3][l] === null) continue
    const table = String(rows[3][l])
    byTable.set(table, [...(byTable.get(table) ?? []), Number(rows[4][l])])
  }
  for (const [table, positions] of byTable) {
    const stored = (await connection.runAndReadAll(
      `select position, log_words from ${wordsTable(table)} where position in (${positions.join(", ")})`
    )).getColumns()
    stored[0]?.forEach((position, i) => words.set(`${table}\u0001${position}`, new Float32Array(blobBytes(stored[1][i]))))
  }
  return fromColumns(rows[0].map((nodeId, l) => {
    const legacy = rows[3][l] === null
    // Words in the row itself are where `migrateLeafWords` puts them by the time a remap's rows point at them.
    const storedWords = legacy ? { runId, position: Number(rows[6][l]) } : { runId: String(rows[3][l]), position: Number(rows[4][l]) }
    const logWords = legacy ? new Float32Array(blobBytes(rows[5][l])) : words.get(`${storedWords.runId}\u0001${storedWords.position}`)
    if (logWords === undefined) throw new Error(`the word model of leaf ${String(nodeId)} of run ${runId} is missing from the database`)
    return { nodeId: String(nodeId), fingerprint: String(rows[1][l]), logPrior: Number(rows[2][l]), logWords, storedWords }
  }))
}
