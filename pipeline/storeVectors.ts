/**
 * What `remap` needs to re-map a run without re-parsing, re-vectorising or
 * re-clustering: the run's TF-IDF vocabulary and each paper's sparse vector, in
 * the order of the run. Written inside the run's transaction by the store.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import type { Paper } from "./domain.ts"
import type { SparseRows, Vectorized } from "./vectorize.ts"
import { quoteLiteral } from "./sql.ts"

export const VECTOR_SCHEMA: ReadonlyArray<string> = [
  `create table if not exists vocabulary (run_id varchar not null, column_id integer not null, term varchar not null, document_frequency integer not null, idf float not null)`,
  // The words shown for a term (evidence, cluster terms); databases from before it was stored read the term itself.
  `alter table vocabulary add column if not exists surface varchar`,
  `create table if not exists paper_vectors (run_id varchar not null, position integer not null, paper_id varchar not null, columns integer[] not null, weights float[] not null)`
]

type Append = (connection: DuckDBConnection, table: string, rows: Iterable<ReadonlyArray<unknown>>) => Promise<void>

export const appendVectors = async (
  connection: DuckDBConnection,
  append: Append,
  runId: string,
  papers: ReadonlyArray<Paper>,
  vectorized: Vectorized
) => {
  const { matrix, model } = vectorized
  await append(connection, "vocabulary", model.vocabulary.map((term, column) => [runId, column, term, model.documentFrequency[column], model.idf[column], model.surfaces[column]]))
  function* rows() {
    for (let r = 0; r < matrix.rows; r++) {
      const start = matrix.offsets[r]
      const end = matrix.offsets[r + 1]
      yield [runId, r, papers[r].paperId, Array.from(matrix.indices.subarray(start, end)), Array.from(matrix.values.subarray(start, end))]
    }
  }
  await append(connection, "paper_vectors", rows())
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
}

const rowsOf = async (connection: DuckDBConnection, sql: string) =>
  (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>


export const loadStoredRun = async (connection: DuckDBConnection, runId: string): Promise<StoredRun> => {
  const [run] = await rowsOf(connection, `select run_id, inputs, params from runs where run_id = ${quoteLiteral(runId)}`)
  const params = JSON.parse(String(run.params)) as Record<string, unknown>
  const vectorsRunId = typeof params.vectors_from === "string" ? params.vectors_from : runId
  const vocabulary = (await connection.runAndReadAll(
    `select term, document_frequency, idf, coalesce(surface, term) from vocabulary where run_id = ${quoteLiteral(vectorsRunId)} order by column_id`
  )).getColumns()
  const terms = (vocabulary[0] ?? []).map(String)
  // Row by row, 40,000 vectors took 3 s; as two lists of all their entries, in row order, they are one copy.
  const rows = (await connection.runAndReadAll(`
    select v.paper_id, rp.cluster_id, len(v.columns)::integer as width
    from paper_vectors v join run_papers rp on rp.run_id = ${quoteLiteral(runId)} and rp.paper_id = v.paper_id
    where v.run_id = ${quoteLiteral(vectorsRunId)} order by v.position`)).getColumns()
  const [[indices], [values]] = (await connection.runAndReadAll(`
    select flatten(list(columns order by position)), flatten(list(weights order by position)) from paper_vectors
    where run_id = ${quoteLiteral(vectorsRunId)}`)).getColumnsJson() as Array<Array<Array<number> | null>>
  const paperIds = (rows[0] ?? []).map(String)
  const offsets = new Int32Array(paperIds.length + 1)
  ;(rows[2] ?? []).forEach((width, r) => (offsets[r + 1] = offsets[r] + Number(width)))
  const matrix: SparseRows = {
    rows: paperIds.length,
    cols: terms.length,
    offsets,
    indices: Int32Array.from(indices ?? []),
    values: Float32Array.from(values ?? [])
  }
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
        surfaces: (vocabulary[3] ?? []).map(String),
        columnOf: new Map(terms.map((term, column) => [term, column])),
        idf: Float32Array.from(vocabulary[2] ?? [], Number),
        documentFrequency: Int32Array.from(vocabulary[1] ?? [], Number),
        documents: paperIds.length
      },
      matrix
    },
    clusterOfPaper: Int32Array.from(rows[1] ?? [], Number),
    clusterCount: Number(clusters)
  }
}
