/**
 * What a run or remap writes, table by table, inside the transaction storeTransaction.ts
 * begins: a run's papers first (before it is classified), then the rest of it; a remap's rows;
 * and, before a run, which of its papers the database knows already.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { releaseHeapPages } from "./collectGarbage.ts"
import type { Paper } from "./domain.ts"
import { normalizedTitle } from "./parse/identity.ts"
import type { RemapRecord, RunRecord } from "./runRecord.ts"
import { quoteLiteral } from "./sql.ts"
import { appendRows, insertKeyphrases, insertPapers, insertRunPapers, stageStrings } from "./storeColumns.ts"
import { appendTopics, clusterRows, runRow } from "./storeRows.ts"
import { tableExists } from "./storeSchema.ts"
import { CLASSIFY_MEMORY_LIMIT, setMemoryLimit, WRITE_MEMORY_LIMIT } from "./storeTransaction.ts"
import { appendVectors } from "./storeVectors.ts"

/** Incoming paper id → the id the database stores that paper under (same id, same arXiv id, or same title). */
export const lookUpKnown = async (connection: DuckDBConnection, papers: ReadonlyArray<Paper>): Promise<Map<string, string>> => {
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
export const insertRemap = async (connection: DuckDBConnection, record: RemapRecord, signal: AbortSignal): Promise<void> => {
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
export const insertPapersOfRun = async (connection: DuckDBConnection, runId: string, papers: ReadonlyArray<Paper>, signal: AbortSignal): Promise<number> => {
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
export const insertRun = async (connection: DuckDBConnection, record: RunRecord, signal: AbortSignal): Promise<void> => {
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
