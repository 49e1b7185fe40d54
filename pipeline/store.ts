/**
 * The store stage: the only code that talks to DuckDB. A run is written in one
 * transaction through the appender, so a failed or killed run leaves the database
 * as it was.
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import {
  DuckDBConnection,
  DuckDBDataChunkWriter,
  DuckDBInstance,
  JSToDuckDBValueConverter
} from "@duckdb/node-api"
import { Context, Effect, Layer } from "effect"
import type { Assignment, ClusterSummary, RunRecord } from "./runRecord.ts"
import { DatabaseError, type Paper, UNASSIGNED } from "./domain.ts"
import { normalizedTitle } from "./parse/identity.ts"
import { SCHEMA_STATEMENTS } from "./storeSchema.ts"

export interface QueryResult {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Record<string, unknown>>
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

const failure = (file: string, what: string) => (cause: unknown) =>
  new DatabaseError({
    file,
    reason: `${what} failed (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)})`,
    hint: "The database was left as it was before this command; report this if it repeats."
  })

const appendRows = async (connection: DuckDBConnection, table: string, rows: Iterable<ReadonlyArray<unknown>>) => {
  const appender = await connection.createAppender(table)
  const writer = DuckDBDataChunkWriter.forAppender(appender, { converter: JSToDuckDBValueConverter })
  for (const row of rows) writer.appendRow(row as Array<never>)
  writer.flush()
  appender.closeSync()
}

function* paperRows(record: RunRecord, newPapers: ReadonlySet<string>) {
  for (const paper of record.papers) {
    if (!newPapers.has(paper.paperId)) continue
    yield [
      paper.paperId, paper.arxivId, paper.title, normalizedTitle(paper.title), paper.abstract, [...paper.authors], paper.published,
      [...paper.categories], paper.sourceFormat, paper.extra === null ? null : JSON.stringify(paper.extra), record.runId
    ]
  }
}

function* topicRows(runId: string, papers: ReadonlyArray<Paper>, assignments: ReadonlyArray<Assignment>) {
  for (const assignment of assignments) {
    const paperId = papers[assignment.paperIndex].paperId
    let rank = 1
    for (const topic of assignment.topics) yield [runId, paperId, topic.nodeId, rank++, topic.score, [...topic.evidence]]
  }
}

const clusterRows = (runId: string, clusters: ReadonlyArray<ClusterSummary>) =>
  clusters.map((cluster) => [runId, cluster.clusterId, cluster.size, cluster.label, [...cluster.topTerms]])

export class Store extends Context.Service<Store, {
  readonly file: string
  /** The stored id of each paper that the database already knows (by arXiv id, else by title). */
  resolveIdentities(papers: ReadonlyArray<Paper>): Effect.Effect<ReadonlyArray<Paper>, DatabaseError>
  writeRun(record: RunRecord): Effect.Effect<{ readonly newPapers: number }, DatabaseError>
  query(sql: string): Effect.Effect<QueryResult, DatabaseError>
}>()("papersort/Store") {
  static readonly layer = (options: StoreOptions) =>
    Layer.effect(
      Store,
      Effect.gen(function*() {
        const { file, readOnly } = options
        const instance = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () => {
              if (!readOnly) mkdirSync(dirname(file), { recursive: true })
              return DuckDBInstance.create(file, readOnly ? { access_mode: "READ_ONLY" } : {})
            },
            catch: (cause) => openError(file, cause)
          }),
          (instance) => Effect.sync(() => instance.closeSync())
        )
        const connection = yield* Effect.tryPromise({ try: () => instance.connect(), catch: (cause) => openError(file, cause) })
        if (!readOnly) {
          yield* Effect.tryPromise({
            try: async () => {
              for (const statement of SCHEMA_STATEMENTS) await connection.run(statement)
            },
            catch: (cause) => openError(file, cause)
          })
        }

        const query = (sql: string) =>
          Effect.tryPromise({
            try: async () => {
              const reader = await connection.runAndReadAll(sql)
              return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Array<Record<string, unknown>> }
            },
            catch: (cause) => cause
          })

        const resolveIdentities = Effect.fn("Store.resolveIdentities")(function*(papers: ReadonlyArray<Paper>) {
          const known = yield* Effect.tryPromise({
            try: async () => {
              await connection.run("create or replace temp table incoming (paper_id varchar, arxiv_id varchar, title_key varchar)")
              await appendRows(connection, "incoming", papers.map((paper) => [paper.paperId, paper.arxivId, normalizedTitle(paper.title)]))
              const reader = await connection.runAndReadAll(
                `select i.paper_id as incoming_id, min(p.paper_id) as stored_id from incoming i join papers p
                   on p.paper_id = i.paper_id or (i.arxiv_id is not null and p.arxiv_id = i.arxiv_id)
                   or (p.title_key = i.title_key and (p.arxiv_id is null or i.arxiv_id is null))
                 group by i.paper_id`
              )
              await connection.run("drop table incoming")
              return new Map(reader.getRowObjectsJson().map((row) => [String(row.incoming_id), String(row.stored_id)]))
            },
            catch: failure(file, "looking up known papers")
          })
          return papers.map((paper) => {
            const stored = known.get(paper.paperId)
            return stored === undefined || stored === paper.paperId ? paper : { ...paper, paperId: stored }
          })
        })

        const writeRun = Effect.fn("Store.writeRun")(function*(record: RunRecord) {
          return yield* Effect.tryPromise({
            try: async () => {
              await connection.run("begin transaction")
              try {
                const existing = await connection.runAndReadAll("select paper_id from papers")
                const stored = new Set(existing.getColumnsJson()[0]?.map(String) ?? [])
                const newPapers = new Set(record.papers.map((paper) => paper.paperId).filter((id) => !stored.has(id)))
                await appendRows(connection, "runs", [[
                  record.runId, record.kind, record.parentRunId, record.startedAt, record.finishedAt, [...record.inputs],
                  record.taxonomy.file, record.taxonomy.sha256, JSON.stringify(record.params), record.papers.length
                ]])
                await appendRows(connection, "papers", paperRows(record, newPapers))
                // Later runs may fill in what an earlier dump lacked; they never overwrite it.
                await connection.run("create or replace temp table metadata (paper_id varchar, arxiv_id varchar, authors varchar[], published varchar, categories varchar[], abstract varchar)")
                await appendRows(connection, "metadata", record.papers.filter((paper) => !newPapers.has(paper.paperId)).map((paper) => [
                  paper.paperId, paper.arxivId, [...paper.authors], paper.published, [...paper.categories], paper.abstract
                ]))
                await connection.run(`update papers set
                    arxiv_id = coalesce(papers.arxiv_id, m.arxiv_id),
                    authors = case when len(papers.authors) = 0 then m.authors else papers.authors end,
                    published = coalesce(papers.published, m.published),
                    categories = case when len(papers.categories) = 0 then m.categories else papers.categories end,
                    abstract = case when papers.abstract = '' then m.abstract else papers.abstract end
                  from metadata m where papers.paper_id = m.paper_id`)
                await connection.run("drop table metadata")
                await appendRows(connection, "run_papers", record.papers.map((paper, i) => [record.runId, paper.paperId, record.clusterOfPaper[i]]))
                await appendRows(connection, "keyphrases", record.papers.flatMap((paper, i) =>
                  record.keyphrases[i].map((keyphrase, rank) => [record.runId, paper.paperId, rank + 1, keyphrase.phrase, keyphrase.score])
                ))
                await appendRows(connection, "clusters", clusterRows(record.runId, record.clusters))
                await appendRows(connection, "taxonomy_nodes", [
                  ...record.taxonomy.nodes.map((node, position) => [
                    record.runId, node.id, node.parentId, node.label, node.path, node.depth, node.description, [...node.keywords], [...node.examples], position
                  ]),
                  [record.runId, UNASSIGNED, null, "Unassigned", UNASSIGNED, 0, "Papers that fit no node of the taxonomy.", [], [], record.taxonomy.nodes.length]
                ])
                await appendRows(connection, "cluster_topics", record.clusterTopics.map((mapping) => [record.runId, mapping.clusterId, mapping.nodeId, mapping.score, mapping.nearestNodeId]))
                await appendRows(connection, "paper_topics", topicRows(record.runId, record.papers, record.assignments))
                await connection.run("commit")
                return { newPapers: newPapers.size }
              } catch (cause) {
                await connection.run("rollback").catch(() => undefined)
                throw cause
              }
            },
            catch: failure(file, "writing the run")
          })
        })

        return Store.of({
          file,
          resolveIdentities,
          writeRun,
          query: (sql) => query(sql).pipe(Effect.mapError(failure(file, "the query")))
        })
      })
    )
}
