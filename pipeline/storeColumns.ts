/**
 * Bulk writes for the store's longest tables. The generic appender path converts every value
 * on its own (and makes a DuckDB string of each): at a million papers the ten million keyphrase
 * rows took 24 s that way. Here numbers go to DuckDB a column of 2,048 rows at a time, and the
 * strings rows repeat (the run id on every row, a paper's id on each of its ten keyphrases, a
 * phrase many papers share) are staged once, numbered, and joined in by DuckDB: 9 s for the same
 * rows, measured on their own.
 */
import {
  DOUBLE,
  DuckDBDataChunk,
  type DuckDBConnection,
  DuckDBDataChunkWriter,
  DuckDBListType,
  type DuckDBType,
  FLOAT,
  INTEGER,
  JSToDuckDBValueConverter,
  listValue,
  VARCHAR
} from "@duckdb/node-api"
import type { Paper, PaperAssignment } from "./domain.ts"
import { normalizedTitle } from "./parse/identity.ts"
import { quoteLiteral } from "./sql.ts"

/** Rows through the generic appender path: each value converted by its JavaScript type; `schema` when not main. */
export const appendRows = async (connection: DuckDBConnection, table: string, rows: Iterable<ReadonlyArray<unknown>>, schema?: string) => {
  const appender = await connection.createAppender(table, schema)
  const writer = DuckDBDataChunkWriter.forAppender(appender, { converter: JSToDuckDBValueConverter })
  for (const row of rows) writer.appendRow(row as Array<never>)
  writer.flush()
  appender.closeSync()
}

/** A column's values: numbers by typed array (INTEGER, FLOAT, DOUBLE) or strings (VARCHAR). */
export type ColumnValues = Int32Array | Float32Array | Float64Array | ReadonlyArray<string>

/** DuckDB's vector size: the rows of one chunk. */
const CHUNK_ROWS = 2_048

/**
 * Chunks the appender is given between flushes into the table. DuckDB's appender collects
 * 204,800 rows before it flushes on its own: at a million papers that is 290 MB of texts
 * held in DuckDB's memory (outside its limit) beside the table's own.
 */
const CHUNKS_PER_FLUSH = 16

const columnType = (column: ColumnValues): DuckDBType =>
  column instanceof Int32Array ? INTEGER : column instanceof Float32Array ? FLOAT : column instanceof Float64Array ? DOUBLE : VARCHAR

/**
 * Append `rows` rows to `table`, a chunk of at most 2,048 at a time: `fill` sets the chunk's
 * vectors (columns of `types`, in the table's order) for rows `from` … `from + count - 1`.
 */
export const appendChunks = async (
  connection: DuckDBConnection,
  table: string,
  types: ReadonlyArray<DuckDBType>,
  rows: number,
  fill: (chunk: DuckDBDataChunk, from: number, count: number) => void
) => {
  const appender = await connection.createAppender(table)
  try {
    const chunk = DuckDBDataChunk.create(types)
    for (let from = 0; from < rows; from += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows - from)
      chunk.rowCount = count
      fill(chunk, from, count)
      appender.appendDataChunk(chunk)
      chunk.reset()
      if ((from / CHUNK_ROWS) % CHUNKS_PER_FLUSH === CHUNKS_PER_FLUSH - 1) appender.flushSync()
    }
  } finally {
    appender.closeSync()
  }
}

/** Append equally long columns to `table`, whose columns have these types in this order. */
export const appendColumns = (connection: DuckDBConnection, table: string, columns: ReadonlyArray<ColumnValues>) =>
  appendChunks(connection, table, columns.map(columnType), columns[0]?.length ?? 0, (chunk, from, count) => {
    columns.forEach((column, c) => {
      const vector = chunk.getColumnVector(c)
      for (let i = 0; i < count; i++) vector.setItem(i, column[from + i])
      vector.flush()
    })
  })

/** The numbers 0, 1, …, length - 1. */
export const positions = (length: number): Int32Array => {
  const out = new Int32Array(length)
  for (let i = 0; i < length; i++) out[i] = i
  return out
}

/** `values` in a temporary table `name (id integer, value varchar)`, numbered from 0, for a later join. */
export const stageStrings = async (connection: DuckDBConnection, name: string, values: ReadonlyArray<string>) => {
  await connection.run(`create or replace temp table ${name} (id integer not null, value varchar not null)`)
  await appendColumns(connection, name, [positions(values.length), values])
}

/**
 * A run's `run_papers`: each paper's cluster and map coordinates, in paper order. `paperIds` names a
 * table staged by `stageStrings` with each paper's id at its position.
 */
export const insertRunPapers = async (
  connection: DuckDBConnection,
  runId: string,
  paperIds: string,
  columns: { readonly clusterOfPaper: Int32Array; readonly x: Float32Array; readonly y: Float32Array }
) => {
  await connection.run("create or replace temp table staged_run_papers (position integer, cluster_id integer, x float, y float)")
  await appendColumns(connection, "staged_run_papers", [positions(columns.clusterOfPaper.length), columns.clusterOfPaper, columns.x, columns.y])
  await connection.run(`insert into run_papers (run_id, paper_id, cluster_id, x, y)
    select ${quoteLiteral(runId)}, p.value, s.cluster_id, s.x, s.y from staged_run_papers s join ${paperIds} p on p.id = s.position
    order by s.position`)
  await connection.run("drop table staged_run_papers")
}

const KEYPHRASE_TYPES: ReadonlyArray<DuckDBType> = [VARCHAR, VARCHAR, VARCHAR, new DuckDBListType(DOUBLE)]

/**
 * A run's `paper_keyphrases`, a row per paper with keyphrases, in paper order: paper p's are
 * entries `offsets[p]` … `offsets[p + 1] - 1` of the flat arrays, in rank order, entry e phrase
 * `phrase[e]` among `phrases`; `paperIds` holds each paper's id at its position. A paper's
 * phrases go as one text, separated by U+0001 (phrases are words: none holds it). A million
 * papers' ten keyphrases each, on their own: 4.7-5.6 s this way; 10.8-11.1 s as a row per
 * keyphrase joined to staged ids and phrases inside DuckDB (17 s of a 1M run's store, and its
 * report gathered each paper's phrases again, 2.4-3.3 s); 18 s with the phrases as a list, a
 * DuckDB string each.
 */
export const insertKeyphrases = (
  connection: DuckDBConnection,
  runId: string,
  paperIds: ReadonlyArray<string>,
  keyphrases: { readonly offsets: Int32Array; readonly phrase: Int32Array; readonly score: Float64Array; readonly phrases: ReadonlyArray<string> }
) => {
  const { offsets, phrase, phrases, score } = keyphrases
  const papers: Array<number> = []
  for (let p = 0; p + 1 < offsets.length; p++) if (offsets[p + 1] > offsets[p]) papers.push(p)
  return appendChunks(connection, "paper_keyphrases", KEYPHRASE_TYPES, papers.length, (chunk, from, count) => {
    const vectors = KEYPHRASE_TYPES.map((_, c) => chunk.getColumnVector(c))
    const [run, paper, texts, scoreList] = vectors
    const ofPaper: Array<string> = []
    for (let i = 0; i < count; i++) {
      const p = papers[from + i]
      run.setItem(i, runId)
      paper.setItem(i, paperIds[p])
      // Joined, not concatenated: a text made by `+` reaches DuckDB ten times as slowly (5-6.5 s against 0.5-0.6 s for a million).
      ofPaper.length = 0
      for (let e = offsets[p]; e < offsets[p + 1]; e++) ofPaper.push(phrases[phrase[e]])
      texts.setItem(i, ofPaper.join("\u0001"))
      const scores: Array<number> = new Array(offsets[p + 1] - offsets[p])
      for (let e = offsets[p]; e < offsets[p + 1]; e++) scores[e - offsets[p]] = score[e]
      scoreList.setItem(i, listValue(scores))
    }
    for (const vector of vectors) vector.flush()
  })
}

/**
 * Paper topics, row for row in the order of the assignments: each row's paper by position (in
 * `paperIds`, as for `insertRunPapers`), its node by number among the staged node ids, and its
 * evidence as one string that DuckDB splits into the list (terms are words: no U+0001 in them).
 */
export const insertTopics = async (connection: DuckDBConnection, runId: string, paperIds: string, assignments: ReadonlyArray<PaperAssignment>) => {
  let rows = 0
  for (const assignment of assignments) rows += assignment.topics.length
  const [position, node, rank] = [new Int32Array(rows), new Int32Array(rows), new Int32Array(rows)]
  const score = new Float64Array(rows)
  const evidence: Array<string> = new Array(rows)
  const nodeNumber = new Map<string, number>()
  let row = 0
  for (const assignment of assignments) {
    assignment.topics.forEach((topic, i) => {
      if (!nodeNumber.has(topic.nodeId)) nodeNumber.set(topic.nodeId, nodeNumber.size)
      position[row] = assignment.paperIndex
      node[row] = nodeNumber.get(topic.nodeId)!
      rank[row] = i + 1
      score[row] = topic.score
      evidence[row++] = topic.evidence.join("\u0001")
    })
  }
  await stageStrings(connection, "staged_nodes", [...nodeNumber.keys()])
  await connection.run("create or replace temp table staged_topics (row_number integer, position integer, node integer, rank integer, score double, evidence varchar)")
  await appendColumns(connection, "staged_topics", [positions(rows), position, node, rank, score, evidence])
  await connection.run(`insert into paper_topics (run_id, paper_id, node_id, rank, score, evidence)
    select ${quoteLiteral(runId)}, p.value, n.value, t.rank, t.score, case when t.evidence = '' then []::varchar[] else string_split(t.evidence, chr(1)) end
    from staged_topics t join ${paperIds} p on p.id = t.position join staged_nodes n on n.id = t.node
    order by t.row_number`)
  await connection.run("drop table staged_topics")
  await connection.run("drop table staged_nodes")
}

const PAPER_TYPES: ReadonlyArray<DuckDBType> = [
  VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, new DuckDBListType(VARCHAR), VARCHAR, new DuckDBListType(VARCHAR), VARCHAR, VARCHAR, VARCHAR
]

/**
 * The `papers` rows of the papers the database does not hold yet, a chunk at a time straight
 * into DuckDB's vectors, without a row array or a converted value per field (a million papers
 * on their own: 13.0 s through the generic path, 11.2 s this way).
 */
export const insertPapers = (connection: DuckDBConnection, runId: string, papers: ReadonlyArray<Paper>, isNew: (paper: Paper) => boolean) => {
  const added = papers.filter(isNew)
  return appendChunks(connection, "papers", PAPER_TYPES, added.length, (chunk, from, count) => {
    const [id, arxivId, title, titleKey, abstract, authors, published, categories, format, extra, firstSeen] = PAPER_TYPES.map((_, c) => chunk.getColumnVector(c))
    for (let i = 0; i < count; i++) {
      const paper = added[from + i]
      id.setItem(i, paper.paperId)
      arxivId.setItem(i, paper.arxivId)
      title.setItem(i, paper.title)
      titleKey.setItem(i, normalizedTitle(paper.title))
      abstract.setItem(i, paper.abstract)
      authors.setItem(i, listValue(paper.authors))
      published.setItem(i, paper.published)
      categories.setItem(i, listValue(paper.categories))
      format.setItem(i, paper.sourceFormat)
      extra.setItem(i, paper.extra === null ? null : JSON.stringify(paper.extra))
      firstSeen.setItem(i, runId)
    }
    for (const vector of [id, arxivId, title, titleKey, abstract, authors, published, categories, format, extra, firstSeen]) vector.flush()
  })
}

/** A typed array's bytes, as a view (no copy). */
export const bytesOf = (array: Int32Array | Float32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

/** A blob value's bytes, as DuckDB hands them over (a view, not necessarily 4-byte aligned). */
export const blobView = (value: unknown): Uint8Array => (value as { readonly bytes: Uint8Array }).bytes

/** Copy a blob's bytes into a fresh (aligned) buffer. */
export const blobBytes = (value: unknown): ArrayBuffer => {
  const bytes = blobView(value)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}
