/**
 * The SQL behind each report file: one query per file over one run's rows, so that
 * `run`, `remap` and `report` write the same files from the same data.
 */
import { KEYPHRASES_RUN } from "./storeSchema.ts"

const list = (column: string) => `array_to_string(${column}, '; ')`

/**
 * A text cell of a file DuckDB writes (COPY), as `toCsv` writes one: a leading `=`, `+`, `-`, `@`,
 * tab or CR escaped with an apostrophe, and an empty text as an empty cell (DuckDB would quote it).
 */
const csvText = (expression: string) =>
  `case when regexp_matches(${expression}, '^[=+\\-@\\t\\r]') then '''' || ${expression} else nullif(${expression}, '') end`

/** A number cell of a file DuckDB writes, as JavaScript prints it: "1", not DuckDB's "1.0". */
const csvNumber = (expression: string) => `regexp_replace(${expression}::varchar, '\\.0$', '')`

/**
 * The keyphrases of run `$run`, a row per paper: its phrases in rank order, separated by U+0001
 * (`phrases`), and their `scores`; a remap's are its source run's (params.keyphrases_from), as in the view `keyphrases`.
 */
export const KEYPHRASES_OF_RUN = `select k.paper_id, k.phrases, k.scores from runs r
  join paper_keyphrases k on k.run_id = ${KEYPHRASES_RUN} where r.run_id = $run`

/**
 * One query per CSV file; `$run` is the run id (inlined as a quoted literal). A file marked `copy`
 * is written by DuckDB itself: a million rows never cross into JavaScript.
 */
export const REPORTS: ReadonlyArray<{ file: string; columns: ReadonlyArray<string>; sql: string; remapOnly?: boolean; copy?: boolean }> = [
  {
    file: "topics.csv",
    columns: ["node_id", "path", "label", "depth", "papers", "papers_any", "share"],
    sql: `select node_id, path, label, depth, papers, papers_any, share from run_topic_counts where run_id = $run order by position`
  },
  {
    file: "papers.csv",
    columns: ["paper_id", "title", "topic", "topic_path", "score", "secondary_topics", "cluster_id", "keyphrases", "evidence"],
    copy: true,
    // Secondary topics gathered as (rank, text) pairs and sorted after: `string_agg(… order by rank)`
    // sorts inside the aggregate, three times as slow (40k papers: 70 against 23 ms).
    sql: `with secondary as (
        select paper_id, array_to_string(list_transform(list_sort(list({'rank': rank, 'text': node_id || ' (' || score || ')'})), (pair) -> pair.text), '; ') as topics
        from paper_topics where run_id = $run and rank > 1 group by paper_id),
      phrases as (select paper_id, replace(phrases, chr(1), '; ') as phrases from (${KEYPHRASES_OF_RUN}))
      select ${csvText("rp.paper_id")} as paper_id, ${csvText("p.title")} as title, ${csvText("pt.node_id")} as topic,
        ${csvText("n.path")} as topic_path, ${csvNumber("pt.score")} as score, ${csvText("secondary.topics")} as secondary_topics,
        rp.cluster_id, ${csvText("phrases.phrases")} as keyphrases, ${csvText(list("pt.evidence"))} as evidence
      from run_papers rp join papers p on p.paper_id = rp.paper_id
      join paper_topics pt on pt.run_id = rp.run_id and pt.paper_id = rp.paper_id and pt.rank = 1
      left join taxonomy_nodes n on n.run_id = rp.run_id and n.node_id = pt.node_id
      left join secondary on secondary.paper_id = rp.paper_id
      left join phrases on phrases.paper_id = rp.paper_id
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
    // The weak clusters' members once; each cluster's best phrases and titles picked by min_by on
    // a (descending count or score, then text) key, not a subquery per cluster (40k papers: 177 ->
    // 108 ms) nor a window sorting every pair (1M papers: 2.2-2.5 -> 1.5 s, 40k: 120 -> 70 ms).
    sql: `with weak as (
        select c.cluster_id, c.size, c.label, ct.nearest_node_id, ct.score
        from clusters c join cluster_topics ct on ct.run_id = c.run_id and ct.cluster_id = c.cluster_id
        where c.run_id = $run and (ct.node_id is null or ct.score < 0.5)),
      members as (select r.paper_id, r.cluster_id from run_papers r semi join weak on weak.cluster_id = r.cluster_id where r.run_id = $run),
      phrase_counts as (
        select cluster_id, phrase, count(*) as n
        from (select m.cluster_id, unnest(string_split(k.phrases, chr(1))) as phrase from (${KEYPHRASES_OF_RUN}) k join members m on m.paper_id = k.paper_id)
        group by cluster_id, phrase),
      top_phrases as (
        select cluster_id, array_to_string(min_by(phrase, {'n': -n, 'phrase': phrase}, 8), '; ') as phrases from phrase_counts group by cluster_id),
      top_titles as (
        select m.cluster_id, array_to_string(min_by(p.title, {'score': -pt.score, 'title': p.title}, 5), ' | ') as titles
        from members m join papers p on p.paper_id = m.paper_id
        join paper_topics pt on pt.run_id = $run and pt.paper_id = m.paper_id and pt.rank = 1 group by m.cluster_id)
      select 'new-topic' as kind, weak.cluster_id, weak.size, weak.label as proposed_label, coalesce(top_phrases.phrases, '') as keyphrases,
        top_titles.titles as sample_titles, weak.nearest_node_id as nearest_node, weak.score
      from weak left join top_phrases on top_phrases.cluster_id = weak.cluster_id left join top_titles on top_titles.cluster_id = weak.cluster_id
      union all
      select 'empty-node', null, 0, n.label, ${list("n.keywords")}, '', n.node_id, 0
      from taxonomy_nodes n where n.run_id = $run and n.node_id <> 'unassigned'
        and not exists (select 1 from paper_topics pt join taxonomy_nodes m on m.run_id = pt.run_id and m.node_id = pt.node_id
          where pt.run_id = n.run_id and (m.path = n.path or starts_with(m.path, n.path || '/')))
      order by kind desc, size desc, cluster_id, nearest_node`
  },
  {
    file: "changes.csv",
    columns: ["paper_id", "title", "old_topic", "new_topic", "old_score", "new_score"],
    sql: `select p.paper_id, p.title, old.node_id as old_topic, new.node_id as new_topic, old.score as old_score, new.score as new_score
      from runs r
      join paper_topics new on new.run_id = r.run_id and new.rank = 1
      join paper_topics old on old.run_id = r.parent_run_id and old.paper_id = new.paper_id and old.rank = 1
      join papers p on p.paper_id = new.paper_id
      where r.run_id = $run and old.node_id <> new.node_id
      order by old.node_id, new.node_id, p.paper_id`,
    remapOnly: true
  }
]

export const reportQuery = (file: string): string => REPORTS.find((report) => report.file === file)!.sql
