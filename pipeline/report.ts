/**
 * The report stage: a run's CSV files, built from the database alone (so that
 * `papersort report` rebuilds exactly what `run` wrote), into `DIR/<run_id>/` and
 * `DIR/latest/`. Files are written to a temporary folder and renamed into place,
 * so a failure never leaves half a report.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { stringify } from "csv-stringify/sync"
import { Effect } from "effect"
import { UsageError } from "./domain.ts"
import { Store } from "./store.ts"

/** A cell that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice). */
export const escapeFormula = (cell: unknown): unknown =>
  typeof cell === "string" && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell

export const toCsv = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Record<string, unknown>>): string =>
  stringify(rows.map((row) => columns.map((column) => escapeFormula(row[column]))), {
    header: true,
    columns: [...columns],
    record_delimiter: "\r\n",
    cast: { number: (value) => String(value) }
  })

const list = (column: string) => `array_to_string(${column}, '; ')`

/** One query per report file; `$run` is the run id (inlined as a quoted literal). */
const REPORTS: ReadonlyArray<{ file: string; columns: ReadonlyArray<string>; sql: string }> = [
  {
    file: "topics.csv",
    columns: ["node_id", "path", "label", "depth", "papers", "papers_any", "share"],
    sql: `with nodes as (select * from taxonomy_nodes where run_id = $run),
      topics as (select pt.paper_id, pt.rank, n.path from paper_topics pt join nodes n on n.node_id = pt.node_id where pt.run_id = $run),
      total as (select count(distinct paper_id) as papers from topics)
      select nodes.node_id, nodes.path, nodes.label, nodes.depth,
        count(distinct topics.paper_id) filter (where topics.rank = 1)::integer as papers,
        count(distinct topics.paper_id)::integer as papers_any,
        round(coalesce(count(distinct topics.paper_id) filter (where topics.rank = 1) / nullif(any_value(total.papers), 0), 0), 4) as share
      from nodes cross join total
      left join topics on topics.path = nodes.path or starts_with(topics.path, nodes.path || '/')
      group by nodes.node_id, nodes.path, nodes.label, nodes.depth, nodes.position order by nodes.position`
  },
  {
    file: "papers.csv",
    columns: ["paper_id", "title", "topic", "topic_path", "score", "secondary_topics", "cluster_id", "keyphrases", "evidence"],
    sql: `select rp.paper_id, p.title, pt.node_id as topic, n.path as topic_path, pt.score,
        coalesce((select string_agg(s.node_id || ' (' || s.score || ')', '; ' order by s.rank) from paper_topics s
          where s.run_id = rp.run_id and s.paper_id = rp.paper_id and s.rank > 1), '') as secondary_topics,
        rp.cluster_id,
        coalesce((select string_agg(k.phrase, '; ' order by k.rank) from keyphrases k where k.run_id = rp.run_id and k.paper_id = rp.paper_id), '') as keyphrases,
        ${list("pt.evidence")} as evidence
      from run_papers rp join papers p on p.paper_id = rp.paper_id
      join paper_topics pt on pt.run_id = rp.run_id and pt.paper_id = rp.paper_id and pt.rank = 1
      left join taxonomy_nodes n on n.run_id = rp.run_id and n.node_id = pt.node_id
      where rp.run_id = $run order by n.path, pt.score desc, rp.paper_id`
  },
  {
    file: "clusters.csv",
    columns: ["cluster_id", "size", "label", "top_terms", "topic", "score"],
    sql: `select c.cluster_id, c.size, c.label, ${list("c.top_terms")} as top_terms, coalesce(ct.node_id, '') as topic, ct.score
      from clusters c left join cluster_topics ct on ct.run_id = c.run_id and ct.cluster_id = c.cluster_id
      where c.run_id = $run order by c.cluster_id`
  },
  {
    file: "suggestions.csv",
    columns: ["kind", "cluster_id", "size", "proposed_label", "keyphrases", "sample_titles", "nearest_node", "score"],
    sql: `select 'new-topic' as kind, c.cluster_id, c.size, c.label as proposed_label,
        coalesce((select string_agg(phrase, '; ' order by n desc, phrase) from (
          select k.phrase, count(*) as n from keyphrases k join run_papers r on r.run_id = k.run_id and r.paper_id = k.paper_id
          where k.run_id = c.run_id and r.cluster_id = c.cluster_id group by k.phrase order by n desc, k.phrase limit 8)), '') as keyphrases,
        (select string_agg(title, ' | ' order by score desc, title) from (
          select p.title, pt.score from run_papers r join papers p on p.paper_id = r.paper_id
          join paper_topics pt on pt.run_id = r.run_id and pt.paper_id = r.paper_id and pt.rank = 1
          where r.run_id = c.run_id and r.cluster_id = c.cluster_id order by pt.score desc, p.title limit 5)) as sample_titles,
        ct.nearest_node_id as nearest_node, ct.score
      from clusters c join cluster_topics ct on ct.run_id = c.run_id and ct.cluster_id = c.cluster_id
      where c.run_id = $run and (ct.node_id is null or ct.score < 0.5)
      union all
      select 'empty-node', null, 0, n.label, ${list("n.keywords")}, '', n.node_id, 0
      from taxonomy_nodes n where n.run_id = $run and n.node_id <> 'unassigned'
        and not exists (select 1 from paper_topics pt join taxonomy_nodes m on m.run_id = pt.run_id and m.node_id = pt.node_id
          where pt.run_id = n.run_id and (m.path = n.path or starts_with(m.path, n.path || '/')))
      order by kind desc, size desc, cluster_id, nearest_node`
  }
]

export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`

export interface WrittenReports {
  readonly directory: string
  readonly latest: string
  readonly files: ReadonlyArray<string>
  readonly suggestions: number
}

const replaceDirectory = (staged: string, target: string) => {
  const previous = `${target}.previous`
  rmSync(previous, { recursive: true, force: true })
  if (existsSync(target)) renameSync(target, previous)
  renameSync(staged, target)
  rmSync(previous, { recursive: true, force: true })
}

/**
 * `--out` must be a folder or not exist yet. Checked before a run starts: found only
 * when the reports are written, it would fail a run whose results are already stored.
 */
export const checkReportsFolder = Effect.fn("report.checkFolder")(function*(outDir: string) {
  const isFile = yield* Effect.sync(() => existsSync(outDir) && !statSync(outDir).isDirectory())
  if (isFile) {
    return yield* new UsageError({
      reason: `--out ${outDir} is a file, not a folder`,
      hint: "Pass --out with a folder for the reports; it is created if missing."
    })
  }
})

export const writeReports = Effect.fn("report.write")(function*(runId: string, outDir: string) {
  const store = yield* Store
  const files: Array<{ file: string; text: string; rows: number }> = []
  for (const report of REPORTS) {
    const result = yield* store.query(report.sql.replaceAll("$run", quoteLiteral(runId)))
    files.push({ file: report.file, text: toCsv(report.columns, result.rows), rows: result.rows.length })
  }
  const directory = join(outDir, runId)
  const latest = join(outDir, "latest")
  yield* Effect.sync(() => {
    for (const target of [directory, latest]) {
      const staged = join(outDir, `.staging-${runId}-${target === latest ? "latest" : "run"}`)
      rmSync(staged, { recursive: true, force: true })
      mkdirSync(staged, { recursive: true })
      for (const { file, text } of files) writeFileSync(join(staged, file), text)
      replaceDirectory(staged, target)
    }
  })
  return {
    directory,
    latest,
    files: files.map(({ file }) => file),
    suggestions: files.find(({ file }) => file === "suggestions.csv")?.rows ?? 0
  } satisfies WrittenReports
})
