/**
 * The data of `index.html`, read from the database: the same rows as the CSV files,
 * plus map coordinates, cluster centres and, when the database holds an earlier run
 * on another dump, how the topics grew or shrank since.
 */
import { basename } from "node:path"
import { Effect } from "effect"
import { DEFAULT_HTML_OPTIONS, type HtmlReportData, type HtmlReportOptions, type HtmlTrend, sampleMapPoints } from "./reportHtml.ts"
import { KEYPHRASES_OF_RUN, reportQuery } from "./reportQueries.ts"
import { Store } from "./store.ts"
import { quoteLiteral } from "./sql.ts"

const splitList = (value: unknown, separator: string): Array<string> =>
  typeof value === "string" && value.length > 0 ? value.split(separator) : []

/** Rows of topics.csv as primary papers per node (rolled up). */
const primaryCounts = (rows: ReadonlyArray<Record<string, unknown>>) => new Map(rows.map((row) => [String(row.node_id), Number(row.papers)]))

/** `topicRows`: this run's topics.csv rows (every node, in taxonomy order). */
const trendAgainstEarlierRun = Effect.fnUntraced(function*(runId: string, topicRows: ReadonlyArray<Record<string, unknown>>) {
  const store = yield* Store
  const earlier = yield* store.query(`
    select e.run_id, e.inputs from runs r join runs e on e.finished_at < r.finished_at and e.kind = 'run' and e.inputs <> r.inputs
    where r.run_id = ${quoteLiteral(runId)} order by e.finished_at desc limit 1`)
  if (earlier.rows.length === 0) return null
  const previousRunId = String(earlier.rows[0].run_id)
  const before = primaryCounts((yield* store.query(reportQuery("topics.csv").replaceAll("$run", quoteLiteral(previousRunId)))).rows)
  const now = primaryCounts(topicRows)
  const rows = topicRows.map((row) => {
    const nodeId = String(row.node_id)
    const current = now.get(nodeId) ?? 0
    const previous = before.get(nodeId) ?? 0
    return { nodeId, label: String(row.label), previous, current, delta: current - previous }
  }).filter((row) => row.delta !== 0).sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || (a.nodeId < b.nodeId ? -1 : 1))
  return { previousRunId, previousInputs: earlier.rows[0].inputs as Array<string>, rows } satisfies HtmlTrend
})

/**
 * `csvRows`: the rows of the run's CSV files, by file name, as written beside the page (its
 * topic counts, suggestions and a remap's changes are theirs).
 */
export const loadReportData = Effect.fn("report.loadData")(function*(
  runId: string,
  csvRows: ReadonlyMap<string, ReadonlyArray<Record<string, unknown>>>,
  options: Pick<HtmlReportOptions, "mapPoints" | "papersPerTopic"> = DEFAULT_HTML_OPTIONS
) {
  const store = yield* Store
  const run = quoteLiteral(runId)
  const [header] = (yield* store.query(`select run_id, kind, parent_run_id, inputs, started_at, paper_count, taxonomy_path, params,
      (select count(*) from clusters c where c.run_id = runs.run_id)::integer as clusters from runs where run_id = ${run}`)).rows
  const topicRows = csvRows.get("topics.csv") ?? []
  const counts = new Map(topicRows.map((row) => [String(row.node_id), row]))
  const nodes = yield* store.query(`select node_id, parent_id, path, label, depth from taxonomy_nodes where run_id = ${run} order by position`)
  // Every paper's topic, score, cluster and place on the map; titles, evidence and keyphrases
  // only for the papers the page shows (the map's sample, each topic's best): reading every
  // paper's took 1.6 s of a 200,000-paper report, this 0.5 s.
  // No rows come back as no columns: a run without papers gets empty ones.
  const [paperIds = [], topicIds = [], scores = [], clusterIds = [], xs = [], ys = []] = (yield* store.queryColumns(`
    select rp.paper_id, pt.node_id as topic, pt.score, rp.cluster_id, rp.x, rp.y
    from run_papers rp join paper_topics pt on pt.run_id = rp.run_id and pt.paper_id = rp.paper_id and pt.rank = 1
    where rp.run_id = ${run} order by pt.score desc, rp.paper_id`)).values
  const ids = paperIds.map((paperId, i) => ({ paperId: String(paperId), topic: String(topicIds[i]) }))
  const onMap = sampleMapPoints(ids, options.mapPoints).map((i) => quoteLiteral(ids[i].paperId))
  // A topic's best by score and every paper tied with the last of them: the page orders ties by title.
  const shown = (yield* store.query(`
    with ranked as (
      select rp.paper_id, pt.node_id, pt.evidence, rank() over (partition by pt.node_id order by pt.score desc) as place
      from run_papers rp join paper_topics pt on pt.run_id = rp.run_id and pt.paper_id = rp.paper_id and pt.rank = 1
      where rp.run_id = ${run})
    select r.paper_id, p.title, n.label as topic_label, array_to_string(r.evidence, chr(1)) as evidence, r.place <= ${options.papersPerTopic} as listed
    from ranked r join papers p on p.paper_id = r.paper_id
    left join taxonomy_nodes n on n.run_id = ${run} and n.node_id = r.node_id
    where r.place <= ${options.papersPerTopic}${onMap.length > 0 ? ` or r.paper_id in (${onMap.join(", ")})` : ""}`)).rows
  const details = new Map(shown.map((row) => [String(row.paper_id), row]))
  const listed = shown.filter((row) => row.listed === true).map((row) => String(row.paper_id))
  const keyphrases = new Map<string, string>()
  for (let start = 0; start < listed.length; start += 5_000) {
    const chunk = listed.slice(start, start + 5_000).map(quoteLiteral).join(", ")
    const rows = yield* store.query(`select paper_id, phrases
      from (${KEYPHRASES_OF_RUN.replaceAll("$run", run)}) where paper_id in (${chunk})`)
    for (const row of rows.rows) keyphrases.set(String(row.paper_id), String(row.phrases))
  }
  const clusters = yield* store.query(`
    select c.cluster_id, c.size, c.label, c.top_terms, ct.node_id, ct.score,
      (select avg(x) from run_papers r where r.run_id = c.run_id and r.cluster_id = c.cluster_id) as x,
      (select avg(y) from run_papers r where r.run_id = c.run_id and r.cluster_id = c.cluster_id) as y
    from clusters c left join cluster_topics ct on ct.run_id = c.run_id and ct.cluster_id = c.cluster_id
    where c.run_id = ${run} order by c.cluster_id`)
  const suggestions = csvRows.get("suggestions.csv") ?? []
  const changes = csvRows.get("changes.csv") ?? []
  const params = JSON.parse(String(header.params)) as { taxonomy_name?: string }
  return {
    header: {
      runId,
      kind: header.kind === "remap" ? "remap" : "run",
      parentRunId: header.parent_run_id === null ? null : String(header.parent_run_id),
      inputs: header.inputs as Array<string>,
      startedAt: new Date(String(header.started_at).replace(" ", "T") + "Z").toISOString(),
      papers: Number(header.paper_count),
      clusters: Number(header.clusters),
      taxonomyName: params.taxonomy_name ?? basename(String(header.taxonomy_path)),
      taxonomyPath: String(header.taxonomy_path)
    },
    topics: nodes.rows.map((row) => ({
      nodeId: String(row.node_id),
      parentId: row.parent_id === null ? null : String(row.parent_id),
      path: String(row.path),
      label: String(row.label),
      depth: Number(row.depth),
      papers: Number(counts.get(String(row.node_id))?.papers ?? 0),
      papersAny: Number(counts.get(String(row.node_id))?.papers_any ?? 0)
    })),
    papers: ids.map(({ paperId, topic }, i) => {
      const shownRow = details.get(paperId)
      return {
        paperId,
        title: shownRow === undefined ? "" : String(shownRow.title),
        topic,
        topicLabel: shownRow === undefined ? "" : String(shownRow.topic_label ?? topic),
        score: Number(scores[i]),
        // Lists cross from DuckDB as one U+0001-joined string each: 40,000 rows of two lists took 0.8 s to convert, strings 0.35 s.
        keyphrases: splitList(keyphrases.get(paperId), "\u0001"),
        evidence: splitList(shownRow?.evidence, "\u0001"),
        clusterId: Number(clusterIds[i]),
        x: Number(xs[i] ?? 0),
        y: Number(ys[i] ?? 0)
      }
    }),
    clusters: clusters.rows.map((row) => ({
      clusterId: Number(row.cluster_id),
      size: Number(row.size),
      label: String(row.label),
      topTerms: row.top_terms as Array<string>,
      topic: row.node_id === null ? null : String(row.node_id),
      score: Number(row.score ?? 0),
      x: Number(row.x ?? 0),
      y: Number(row.y ?? 0)
    })),
    suggestions: suggestions.map((row) => ({
      kind: String(row.kind),
      clusterId: row.cluster_id === null ? null : Number(row.cluster_id),
      size: Number(row.size),
      proposedLabel: String(row.proposed_label),
      keyphrases: splitList(row.keyphrases, "; "),
      sampleTitles: splitList(row.sample_titles, " | "),
      nearestNode: row.nearest_node === null ? null : String(row.nearest_node),
      score: Number(row.score ?? 0)
    })),
    changes: changes.map((row) => ({
      paperId: String(row.paper_id),
      title: String(row.title),
      oldTopic: row.old_topic === null ? null : String(row.old_topic),
      newTopic: String(row.new_topic),
      oldScore: row.old_score === null ? null : Number(row.old_score),
      newScore: Number(row.new_score)
    })),
    trend: yield* trendAgainstEarlierRun(runId, topicRows)
  } satisfies HtmlReportData
})
