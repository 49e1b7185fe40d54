/**
 * What `remap` needs to re-map a run without re-parsing, re-vectorising or
 * re-clustering: the run's TF-IDF vocabulary and each paper's sparse vector, in
 * the order of the run. Written inside the run's transaction by the store.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import type { Paper } from "./domain.ts"
import type { Keyphrase } from "./keyphrases.ts"
import type { Projection } from "./project.ts"
import type { ClusterSummary } from "./runRecord.ts"
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

/** A stored run, as `remap` needs it. */
export interface StoredRun {
  readonly runId: string
  /** The run whose vectors these are (a remap of a remap reads the original run's). */
  readonly vectorsRunId: string
  readonly inputs: ReadonlyArray<string>
  readonly params: Readonly<Record<string, unknown>>
  readonly papers: ReadonlyArray<Paper>
  readonly vectorized: Vectorized
  readonly clusterOfPaper: Int32Array
  readonly coordinates: Projection
  readonly clusters: ReadonlyArray<ClusterSummary>
  readonly keyphrases: ReadonlyArray<ReadonlyArray<Keyphrase>>
}

const rowsOf = async (connection: DuckDBConnection, sql: string) =>
  (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>


export const loadStoredRun = async (connection: DuckDBConnection, runId: string): Promise<StoredRun> => {
  const [run] = await rowsOf(connection, `select run_id, inputs, params from runs where run_id = ${quoteLiteral(runId)}`)
  const params = JSON.parse(String(run.params)) as Record<string, unknown>
  const vectorsRunId = typeof params.vectors_from === "string" ? params.vectors_from : runId
  const vocabulary = await rowsOf(connection, `select term, document_frequency, idf, surface from vocabulary where run_id = ${quoteLiteral(vectorsRunId)} order by column_id`)
  const vectors = await rowsOf(connection, `
    select v.paper_id, v.columns, v.weights, p.arxiv_id, p.title, p.abstract, p.authors, p.published, p.categories, p.source_format, rp.cluster_id, rp.x, rp.y
    from paper_vectors v join papers p on p.paper_id = v.paper_id
    join run_papers rp on rp.run_id = ${quoteLiteral(runId)} and rp.paper_id = v.paper_id
    where v.run_id = ${quoteLiteral(vectorsRunId)} order by v.position`)
  const offsets = new Int32Array(vectors.length + 1)
  vectors.forEach((row, r) => (offsets[r + 1] = offsets[r] + (row.columns as Array<number>).length))
  const indices = new Int32Array(offsets[vectors.length])
  const values = new Float32Array(offsets[vectors.length])
  vectors.forEach((row, r) => {
    indices.set(row.columns as Array<number>, offsets[r])
    values.set(row.weights as Array<number>, offsets[r])
  })
  const matrix: SparseRows = { rows: vectors.length, cols: vocabulary.length, offsets, indices, values }
  const terms = vocabulary.map((row) => String(row.term))
  const papers: Array<Paper> = vectors.map((row) => ({
    paperId: String(row.paper_id),
    arxivId: row.arxiv_id === null ? null : String(row.arxiv_id),
    title: String(row.title),
    abstract: String(row.abstract),
    authors: (row.authors as Array<string>) ?? [],
    published: row.published === null ? null : String(row.published),
    categories: (row.categories as Array<string>) ?? [],
    sourceFormat: row.source_format as Paper["sourceFormat"],
    sourceFile: "",
    extra: null
  }))
  const position = new Map(papers.map((paper, index) => [paper.paperId, index]))
  const keyphrases: Array<Array<Keyphrase>> = papers.map(() => [])
  for (const row of await rowsOf(connection, `select paper_id, phrase, score from keyphrases where run_id = ${quoteLiteral(runId)} order by paper_id, rank`)) {
    keyphrases[position.get(String(row.paper_id)) ?? -1]?.push({ phrase: String(row.phrase), score: Number(row.score) })
  }
  const clusters = (await rowsOf(connection, `select cluster_id, size, label, top_terms from clusters where run_id = ${quoteLiteral(runId)} order by cluster_id`))
    .map((row): ClusterSummary => ({
      clusterId: Number(row.cluster_id),
      size: Number(row.size),
      label: String(row.label),
      topTerms: row.top_terms as Array<string>,
      topKeyphrases: []
    }))
  return {
    runId,
    vectorsRunId,
    inputs: run.inputs as Array<string>,
    params,
    papers,
    vectorized: {
      model: {
        vocabulary: terms,
        surfaces: vocabulary.map((row, column) => (row.surface === null || row.surface === undefined ? terms[column] : String(row.surface))),
        columnOf: new Map(terms.map((term, column) => [term, column])),
        idf: Float32Array.from(vocabulary, (row) => Number(row.idf)),
        documentFrequency: Int32Array.from(vocabulary, (row) => Number(row.document_frequency)),
        documents: vectors.length
      },
      matrix
    },
    clusterOfPaper: Int32Array.from(vectors, (row) => Number(row.cluster_id)),
    coordinates: { x: Float32Array.from(vectors, (row) => Number(row.x)), y: Float32Array.from(vectors, (row) => Number(row.y)) },
    clusters,
    keyphrases
  }
}
