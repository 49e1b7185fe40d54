/**
 * What `remap` needs to re-map a run without re-parsing, re-vectorising or
 * re-clustering: the run's TF-IDF vocabulary, each paper's sparse vector in the
 * order of the run, and what the run's map learned per leaf (storeLeafModels.ts).
 * Written inside the run's transaction by the store.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import type { LeafModels } from "./leafModels.ts"
import { type SparseRows, sortedTermColumns, type Vectorized } from "./vectorize.ts"
import { quoteIdentifier, quoteLiteral } from "./sql.ts"
import { appendColumns, blobBytes, blobView, bytesOf, positions } from "./storeColumns.ts"
import { loadLeafModels } from "./storeLeafModels.ts"
import { tableExists } from "./storeSchema.ts"

export const VECTOR_SCHEMA: ReadonlyArray<string> = [
  `create table if not exists vocabulary (run_id varchar not null, column_id integer not null, term varchar not null, document_frequency integer not null, idf float not null)`,
  // The words shown for a term (evidence, cluster terms); databases from before it was stored read the term itself.
  `alter table vocabulary add column if not exists surface varchar`,
  // A run's papers and their sparse rows, in a table of the run's own (see `appendVectors`). Databases
  // written before keep every run's in `paper_vector_blobs` (a row per paper, two blobs) or, older,
  // `paper_vectors` (lists); `loadStoredRun` reads any of them.
  `create schema if not exists run_vectors`
]

/** Papers per row of a run's vectors table. */
const PAPERS_PER_ROW = 8_192

const vectorsTable = (runId: string) => `run_vectors.${quoteIdentifier(runId)}`

/**
 * A run's vocabulary, and its papers' ids, clusters and sparse rows: 8,192 papers to a row of the
 * run's own table, their ids as a JSON array and the rest as little-endian blobs (each paper's
 * number of terms, then every term's column id and weight). A row per paper meant a million
 * papers' blobs crossing one at a time each way (a 1M remap read them for 18 s), and one table
 * for every run had its last row group rewritten at every later checkpoint.
 */
export const appendVectors = async (connection: DuckDBConnection, runId: string, paperIds: ReadonlyArray<string>, clusterOfPaper: Int32Array, vectorized: Vectorized) => {
  const { matrix, model } = vectorized
  // By column: through the generic path a million papers' 770,000 terms took 1.9 s.
  const terms = model.vocabulary.length
  await appendColumns(connection, "vocabulary", [
    new Array<string>(terms).fill(runId), positions(terms), model.vocabulary, model.documentFrequency, model.idf, model.surfaces
  ])
  await connection.run(`create table ${vectorsTable(runId)} (
    first_row integer not null, paper_ids varchar not null, clusters blob not null, lengths blob not null, columns blob not null, weights blob not null)`)
  // Copies (slice), not views: the matrix may live in shared memory, which DuckDB cannot be handed.
  // Each row is flushed on its own: buffered, a million papers' rows would sit in the appender's
  // chunk (a gigabyte) on top of their copy in the table.
  const appender = await connection.createAppender(runId, "run_vectors")
  try {
    for (let first = 0; first < matrix.rows; first += PAPERS_PER_ROW) {
      const end = Math.min(matrix.rows, first + PAPERS_PER_ROW)
      const lengths = Int32Array.from({ length: end - first }, (_, i) => matrix.offsets[first + i + 1] - matrix.offsets[first + i])
      const [from, to] = [matrix.offsets[first], matrix.offsets[end]]
      appender.appendInteger(first)
      appender.appendVarchar(JSON.stringify(paperIds.slice(first, end)))
      appender.appendBlob(bytesOf(clusterOfPaper.slice(first, end)))
      appender.appendBlob(bytesOf(lengths))
      appender.appendBlob(bytesOf(matrix.indices.slice(from, to)))
      appender.appendBlob(bytesOf(matrix.values.slice(from, to)))
      appender.endRow()
      appender.flushSync()
    }
  } finally {
    appender.closeSync()
  }
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
        columnOf: sortedTermColumns(terms),
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

/** Rows of a run's vectors table read per query: 65,536 papers' terms (about 70 MB of blobs at a time). */
const ROWS_PER_READ = 8

/**
 * A run's papers and sparse rows from its own table (`appendVectors`), in row order: the ids,
 * clusters and lengths first, then the terms a few rows at a time, each blob's bytes straight
 * into place. Read whole, a million papers' blobs sat in DuckDB's result and again as blob
 * values beside the matrix: the load of a 1M remap peaked at 8.2 GB.
 */
const loadRunVectors = async (connection: DuckDBConnection, vectorsRunId: string, cols: number) => {
  const table = vectorsTable(vectorsRunId)
  const [firstRows, ids, clusters, lengths] = (await connection.runAndReadAll(`select first_row, paper_ids, clusters, lengths from ${table} order by first_row`)).getColumns()
  const paperIds = (ids ?? []).flatMap((joined) => JSON.parse(String(joined)) as Array<string>)
  const rows = paperIds.length
  // The matrix in shared memory, as a run builds it: the map's worker reads it without a copy
  // (a 1M remap copied its 1.1 GB there, and peaked at 5.0 GB).
  const [clusterOfPaper, offsets] = [new Int32Array(rows), new Int32Array(new SharedArrayBuffer((rows + 1) * 4))]
  const clusterBytes = new Uint8Array(clusterOfPaper.buffer)
  for (let chunk = 0, row = 0; chunk < (firstRows?.length ?? 0); chunk++) {
    const paperLengths = new Int32Array(blobBytes(lengths[chunk]))
    clusterBytes.set(blobView(clusters[chunk]), row * 4)
    for (let i = 0; i < paperLengths.length; i++, row++) offsets[row + 1] = offsets[row] + paperLengths[i]
  }
  const [indices, values] = [new Int32Array(new SharedArrayBuffer(offsets[rows] * 4)), new Float32Array(new SharedArrayBuffer(offsets[rows] * 4))]
  // A blob's bytes need not be 4-byte aligned: copied as bytes.
  const [indexBytes, valueBytes] = [new Uint8Array(indices.buffer), new Uint8Array(values.buffer)]
  const starts = (firstRows ?? []).map(Number)
  for (let chunk = 0; chunk < starts.length; chunk += ROWS_PER_READ) {
    const last = Math.min(starts.length, chunk + ROWS_PER_READ) - 1
    const [columns, weights] = (await connection.runAndReadAll(
      `select columns, weights from ${table} where first_row between ${starts[chunk]} and ${starts[last]} order by first_row`
    )).getColumns()
    columns.forEach((blob, i) => {
      const at = offsets[starts[chunk + i]] * 4
      indexBytes.set(blobView(blob), at)
      valueBytes.set(blobView(weights[i]), at)
    })
  }
  const matrix: SparseRows = { rows, cols, offsets, indices, values }
  return { paperIds, clusterOfPaper, matrix }
}

/**
 * The papers' ids, clusters and sparse rows of a run, in row order, from whichever table holds them.
 * A remap's papers and clusters are its source's, copied, and its vectors the source's.
 */
const loadVectors = async (connection: DuckDBConnection, runId: string, vectorsRunId: string, cols: number) => {
  if (await tableExists(connection, vectorsRunId, { schema: "run_vectors" })) return loadRunVectors(connection, vectorsRunId, cols)
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
