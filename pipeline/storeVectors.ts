/**
 * What `remap` needs to re-map a run without re-parsing, re-vectorising or
 * re-clustering: the run's TF-IDF vocabulary, each paper's sparse vector in the
 * order of the run, and what the run's map learned per leaf. Written inside the
 * run's transaction by the store.
 */
import { BLOB, blobValue, type DuckDBConnection, INTEGER } from "@duckdb/node-api"
import { fromColumns, leafColumns, type LeafModels } from "./leafModels.ts"
import type { SparseRows, Vectorized } from "./vectorize.ts"
import { quoteIdentifier, quoteLiteral } from "./sql.ts"
import { appendChunks, appendRows } from "./storeColumns.ts"
import { tableExists } from "./storeSchema.ts"

export const VECTOR_SCHEMA: ReadonlyArray<string> = [
  `create table if not exists vocabulary (run_id varchar not null, column_id integer not null, term varchar not null, document_frequency integer not null, idf float not null)`,
  // The words shown for a term (evidence, cluster terms); databases from before it was stored read the term itself.
  `alter table vocabulary add column if not exists surface varchar`,
  // Each paper's sparse row as two blobs: little-endian int32 column ids and float32 weights. (Databases
  // written before keep theirs in `paper_vectors`, as lists; `loadStoredRun` reads either.)
  `create table if not exists paper_vector_blobs (run_id varchar not null, position integer not null, paper_id varchar not null, columns blob not null, weights blob not null)`,
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

const bytesOf = (array: Int32Array | Float32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

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
const loadLeafModels = async (connection: DuckDBConnection, runId: string): Promise<LeafModels | undefined> => {
  if (!(await tableExists(connection, "leaf_models"))) return undefined
  // A database no run has written to since the pointers came has no pointer columns yet.
  const pointers = (await connection.runAndReadAll(
    `select 1 from information_schema.columns where table_catalog = current_database() and table_schema = 'main' and table_name = 'leaf_models' and column_name = 'words_run_id'`
  )).currentRowCount > 0
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

/**
 * A run's vocabulary and each paper's sparse row. The rows go to DuckDB a chunk at a time, as
 * views of one copy of the chunk's part of the matrix (shared memory cannot be handed to DuckDB,
 * and two small buffers per row weighed more than the blobs); the paper ids come from the table
 * `paperIds` staged by `stageStrings`, joined in by position.
 */
export const appendVectors = async (connection: DuckDBConnection, runId: string, paperIds: string, vectorized: Vectorized) => {
  const { matrix, model } = vectorized
  await appendRows(connection, "vocabulary", model.vocabulary.map((term, column) => [runId, column, term, model.documentFrequency[column], model.idf[column], model.surfaces[column]]))
  await connection.run("create or replace temp table staged_vectors (position integer, columns blob, weights blob)")
  await appendChunks(connection, "staged_vectors", [INTEGER, BLOB, BLOB], matrix.rows, (chunk, first, count) => {
    const base = matrix.offsets[first]
    const indices = matrix.indices.slice(base, matrix.offsets[first + count])
    const values = matrix.values.slice(base, matrix.offsets[first + count])
    const [positions, columns, weights] = [0, 1, 2].map((c) => chunk.getColumnVector(c))
    for (let i = 0; i < count; i++) {
      const [start, end] = [matrix.offsets[first + i] - base, matrix.offsets[first + i + 1] - base]
      positions.setItem(i, first + i)
      columns.setItem(i, blobValue(bytesOf(indices.subarray(start, end))))
      weights.setItem(i, blobValue(bytesOf(values.subarray(start, end))))
    }
    for (const vector of [positions, columns, weights]) vector.flush()
  })
  // Blobs, not lists: 40,000 rows of two lists took 1.1 s to append.
  await connection.run(`insert into paper_vector_blobs (run_id, position, paper_id, columns, weights)
    select ${quoteLiteral(runId)}, v.position, p.value, v.columns, v.weights from staged_vectors v join ${paperIds} p on p.id = v.position
    order by v.position`)
  await connection.run("drop table staged_vectors")
}

/** A stored run, as `remap` needs it: what the mapping reads, nothing a remap copies inside the database. */
export interface StoredRun {
  readonly runId: string
  /** The run whose vectors these are (a remap of a remap reads the original run's). */
  readonly vectorsRunId: string
  readonly inputs: ReadonlyArray<string>
  readonly params: Readonly<Record<string, unknown>>
  /** The papers' ids, in the order of the vectors' rows. */
  readonly paperIds: ReadonlyArray<string>
  readonly vectorized: Vectorized
  readonly clusterOfPaper: Int32Array
  readonly clusterCount: number
  /** What the run's map learned per leaf; undefined for runs stored before it was kept. */
  readonly leafModels: LeafModels | undefined
}

const rowsOf = async (connection: DuckDBConnection, sql: string) =>
  (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>


export const loadStoredRun = async (connection: DuckDBConnection, runId: string): Promise<StoredRun> => {
  const [run] = await rowsOf(connection, `select run_id, inputs, params from runs where run_id = ${quoteLiteral(runId)}`)
  const params = JSON.parse(String(run.params)) as Record<string, unknown>
  const vectorsRunId = typeof params.vectors_from === "string" ? params.vectors_from : runId
  // One row of four aggregates: 93,000 terms cross from DuckDB in 60 ms this way, 155 ms as rows.
  const [[joinedTerms, joinedSurfaces, frequencies, idfs]] = (await connection.runAndReadAll(
    `select string_agg(term, chr(1) order by column_id), string_agg(coalesce(surface, term), chr(1) order by column_id),
       list(document_frequency order by column_id), list(idf order by column_id)
     from vocabulary where run_id = ${quoteLiteral(vectorsRunId)}`
  )).getRows()
  const splitTerms = (joined: unknown) => (joined === null ? [] : String(joined).split("\u0001"))
  const listItems = (list: unknown) => (list === null ? [] : (list as { readonly items: ReadonlyArray<unknown> }).items)
  const terms = splitTerms(joinedTerms)
  const { paperIds, clusterOfPaper, matrix } = await loadVectors(connection, runId, vectorsRunId, terms.length)
  const [{ clusters }] = await rowsOf(connection, `select count(*)::integer as clusters from clusters where run_id = ${quoteLiteral(runId)}`)
  return {
    runId,
    vectorsRunId,
    inputs: run.inputs as Array<string>,
    params,
    paperIds,
    vectorized: {
      model: {
        vocabulary: terms,
        surfaces: splitTerms(joinedSurfaces),
        columnOf: new Map(terms.map((term, column) => [term, column])),
        idf: Float32Array.from(listItems(idfs), Number),
        documentFrequency: Int32Array.from(listItems(frequencies), Number),
        documents: paperIds.length
      },
      matrix
    },
    clusterOfPaper,
    clusterCount: Number(clusters),
    leafModels: await loadLeafModels(connection, runId)
  }
}

/** A blob value's bytes, as DuckDB hands them over (a view, not necessarily 4-byte aligned). */
const blobView = (value: unknown): Uint8Array => (value as { readonly bytes: Uint8Array }).bytes

/** Copy a blob's bytes into a fresh (aligned) buffer. */
const blobBytes = (value: unknown): ArrayBuffer => {
  const bytes = blobView(value)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** The papers' ids, clusters and sparse rows of a run, in row order, from whichever table holds them. */
const loadVectors = async (connection: DuckDBConnection, runId: string, vectorsRunId: string, cols: number) => {
  const [run, vectorsRun] = [quoteLiteral(runId), quoteLiteral(vectorsRunId)]
  const blobs = (await tableExists(connection, "paper_vector_blobs"))
    ? (await connection.runAndReadAll(`
      select v.paper_id, rp.cluster_id, v.columns, v.weights
      from paper_vector_blobs v join run_papers rp on rp.run_id = ${run} and rp.paper_id = v.paper_id
      where v.run_id = ${vectorsRun} order by v.position`)).getColumns()
    : []
  if ((blobs[0]?.length ?? 0) > 0) {
    const rows = blobs[0].length
    const offsets = new Int32Array(rows + 1)
    for (let r = 0; r < rows; r++) offsets[r + 1] = offsets[r] + blobView(blobs[2][r]).byteLength / 4
    const indices = new Int32Array(offsets[rows])
    const values = new Float32Array(offsets[rows])
    // Each blob's bytes straight into place in the matrix (one copy; a blob's bytes need not be 4-byte aligned).
    const indexBytes = new Uint8Array(indices.buffer)
    const valueBytes = new Uint8Array(values.buffer)
    for (let r = 0; r < rows; r++) {
      indexBytes.set(blobView(blobs[2][r]), offsets[r] * 4)
      valueBytes.set(blobView(blobs[3][r]), offsets[r] * 4)
    }
    const matrix: SparseRows = { rows, cols, offsets, indices, values }
    return { paperIds: blobs[0].map(String), clusterOfPaper: Int32Array.from(blobs[1], Number), matrix }
  }
  // A database written before the blobs: lists in `paper_vectors`, read as two flat lists in row order.
  if (!(await tableExists(connection, "paper_vectors"))) return { paperIds: [], clusterOfPaper: new Int32Array(0), matrix: { rows: 0, cols, offsets: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) } }
  const rows = (await connection.runAndReadAll(`
    select v.paper_id, rp.cluster_id, len(v.columns)::integer as width
    from paper_vectors v join run_papers rp on rp.run_id = ${run} and rp.paper_id = v.paper_id
    where v.run_id = ${vectorsRun} order by v.position`)).getColumns()
  const [[indices], [values]] = (await connection.runAndReadAll(`
    select flatten(list(columns order by position)), flatten(list(weights order by position)) from paper_vectors
    where run_id = ${vectorsRun}`)).getColumnsJson() as Array<Array<Array<number> | null>>
  const paperIds = (rows[0] ?? []).map(String)
  const offsets = new Int32Array(paperIds.length + 1)
  ;(rows[2] ?? []).forEach((width, r) => (offsets[r + 1] = offsets[r] + Number(width)))
  const matrix: SparseRows = { rows: paperIds.length, cols, offsets, indices: Int32Array.from(indices ?? []), values: Float32Array.from(values ?? []) }
  return { paperIds, clusterOfPaper: Int32Array.from(rows[1] ?? [], Number), matrix }
}
