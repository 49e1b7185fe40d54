import type { DuckDBConnection } from "@duckdb/node-api"
import { quoteLiteral } from "./sql.ts"

/**
 * Whether the database has this table or view (a new file has none until its first run writes the
 * schema); with `type`, only one of that kind ('BASE TABLE' or 'VIEW'); in `schema`, by default main.
 */
export const tableExists = async (
  connection: DuckDBConnection,
  name: string,
  { type, schema = "main" }: { readonly type?: "BASE TABLE" | "VIEW"; readonly schema?: string } = {}
): Promise<boolean> =>
  (await connection.runAndReadAll(
    `select 1 from information_schema.tables where table_catalog = current_database() and table_schema = ${quoteLiteral(schema)} and table_name = ${quoteLiteral(name)}${
      type === undefined ? "" : ` and table_type = ${quoteLiteral(type)}`
    }`
  )).currentRowCount > 0

/**
 * Each run's keyphrases once, a row per paper (with any): its phrases in rank order as one text,
 * separated by U+0001, and their scores (storeColumns.ts, `insertKeyphrases`).
 */
const PAPER_KEYPHRASES_TABLE = `create table if not exists paper_keyphrases (
    run_id varchar not null, paper_id varchar not null, phrases varchar not null, scores double[] not null)`

/** The run whose `paper_keyphrases` rows are those of run `r` (a row of `runs`): a remap's are its source's (params.keyphrases_from). */
export const KEYPHRASES_RUN = `coalesce(json_extract_string(r.params, '$.keyphrases_from'), r.run_id)`

/** Old keyphrase rows gathered per query when a database's are migrated: about 10 MB of DuckDB's memory each. */
const MIGRATED_ROWS_PER_QUERY = 625_000

/**
 * Databases written before keyphrases were shared by a run and its remaps have a table
 * `keyphrases` (every remap with a copy of its source's rows): it becomes `paper_keyphrases`
 * and the view takes its name. Databases written before a paper's keyphrases were one row hold
 * a row per keyphrase in `paper_keyphrases` (with `rank` and `phrase`): they become a row per
 * paper. Runs inside the write's transaction, before the schema (whose view reads the new rows),
 * under the write's memory limit: DuckDB cannot spill a list aggregate, so the papers are
 * gathered a share at a time (ten million rows in 16 shares: 16.6 s, DuckDB within 256 MB; in
 * one, 1.1 GB more than the limit allowed).
 */
export const migrateKeyphrases = async (connection: DuckDBConnection) => {
  if (await tableExists(connection, "keyphrases", { type: "BASE TABLE" })) await connection.run("alter table keyphrases rename to paper_keyphrases")
  if (!(await columnExists(connection, "paper_keyphrases", "phrase"))) return
  await connection.run("drop view if exists keyphrases")
  await connection.run("alter table paper_keyphrases rename to paper_keyphrase_rows")
  await connection.run(PAPER_KEYPHRASES_TABLE)
  const rows = Number((await connection.runAndReadAll("select count(*) from paper_keyphrase_rows")).getRows()[0]?.[0] ?? 0)
  const shares = Math.max(1, Math.ceil(rows / MIGRATED_ROWS_PER_QUERY))
  for (let share = 0; share < shares; share++) {
    await connection.run(`insert into paper_keyphrases
      select run_id, paper_id, string_agg(phrase, chr(1) order by rank), list(score order by rank) from paper_keyphrase_rows
      where hash(paper_id) % ${shares} = ${share} group by run_id, paper_id order by run_id, min(rowid)`)
  }
  await connection.run("drop table paper_keyphrase_rows")
}

/** Whether table `table` of the main schema has column `column`. */
export const columnExists = async (connection: DuckDBConnection, table: string, column: string): Promise<boolean> =>
  (await connection.runAndReadAll(
    `select 1 from information_schema.columns where table_catalog = current_database() and table_schema = 'main' and table_name = ${quoteLiteral(table)} and column_name = ${quoteLiteral(column)}`
  )).currentRowCount > 0

/** The DuckDB tables and views of the contract (ARCHITECTURE.md, "DuckDB tables"). */
export const SCHEMA_STATEMENTS: ReadonlyArray<string> = [
  `create table if not exists runs (
    run_id varchar primary key, kind varchar not null, parent_run_id varchar,
    started_at timestamp not null, finished_at timestamp not null, inputs varchar[] not null,
    taxonomy_path varchar not null, taxonomy_sha256 varchar not null, params json not null, paper_count integer not null)`,
  `create table if not exists papers (
    paper_id varchar primary key, arxiv_id varchar, title varchar not null, title_key varchar not null,
    abstract varchar not null, authors varchar[] not null, published varchar, categories varchar[] not null,
    source_format varchar not null, extra json, first_seen_run varchar not null)`,
  `create table if not exists run_papers (run_id varchar not null, paper_id varchar not null, cluster_id integer not null, x float not null, y float not null)`,
  // Each run's keyphrases once; a remap shows its source's (params.keyphrases_from) through the view `keyphrases`.
  PAPER_KEYPHRASES_TABLE,
  `create table if not exists clusters (run_id varchar not null, cluster_id integer not null, size integer not null, label varchar not null, top_terms varchar[] not null)`,
  `create table if not exists taxonomy_nodes (
    run_id varchar not null, node_id varchar not null, parent_id varchar, label varchar not null, path varchar not null,
    depth integer not null, description varchar not null, keywords varchar[] not null, examples varchar[] not null, position integer not null)`,
  `create table if not exists cluster_topics (run_id varchar not null, cluster_id integer not null, node_id varchar, score double not null, nearest_node_id varchar)`,
  `create table if not exists paper_topics (
    run_id varchar not null, paper_id varchar not null, node_id varchar not null, rank integer not null, score double not null, evidence varchar[] not null)`,
  // A row per keyphrase, unnested from its paper's row (a run's filter still reaches the scan).
  `create or replace view keyphrases as
    select r.run_id, k.paper_id, generate_subscripts(k.scores, 1)::integer as rank, unnest(string_split(k.phrases, chr(1))) as phrase, unnest(k.scores) as score
    from runs r join paper_keyphrases k on k.run_id = ${KEYPHRASES_RUN}`,
  `create or replace view latest_run as select * from runs order by finished_at desc, run_id desc limit 1`,
  `create or replace view latest_paper_topics as
    select pt.paper_id, p.title, pt.node_id, n.path, n.label, pt.rank, pt.score, pt.evidence, rp.cluster_id
    from paper_topics pt
    join latest_run lr on pt.run_id = lr.run_id
    join papers p on p.paper_id = pt.paper_id
    left join taxonomy_nodes n on n.run_id = pt.run_id and n.node_id = pt.node_id
    left join run_papers rp on rp.run_id = pt.run_id and rp.paper_id = pt.paper_id`,
  // A node counts the papers of its whole subtree: primary ones, and those at any rank (each paper once).
  // Each assignment joins the (few) nodes on its node's path by node id: splitting every
  // assignment's path into its prefixes took 2.4 times as long (1M papers: 2.3 s against 1.0 s).
  // A paper has one primary topic per run, and a node each ancestor once, so primary papers need no distinct.
  `create or replace view run_topic_counts as
    with ancestors as (
      select d.run_id, d.node_id, a.path from taxonomy_nodes d
      join taxonomy_nodes a on a.run_id = d.run_id and (a.path = d.path or starts_with(d.path, a.path || '/'))),
    under as (
      select pt.run_id, pt.paper_id, pt.rank, ancestors.path from paper_topics pt
      join ancestors on ancestors.run_id = pt.run_id and ancestors.node_id = pt.node_id),
    totals as (
      select pt.run_id, count(distinct pt.paper_id) as papers from paper_topics pt
      semi join taxonomy_nodes n on n.run_id = pt.run_id and n.node_id = pt.node_id group by pt.run_id),
    counted as (
      select run_id, path, count(*) filter (where rank = 1)::integer as papers, count(distinct paper_id)::integer as papers_any
      from under group by run_id, path)
    select nodes.run_id, nodes.node_id, nodes.path, nodes.label, nodes.depth, nodes.parent_id, nodes.position,
      coalesce(counted.papers, 0) as papers, coalesce(counted.papers_any, 0) as papers_any,
      round(coalesce(counted.papers / nullif(totals.papers, 0), 0), 4) as share
    from taxonomy_nodes nodes
    left join totals on totals.run_id = nodes.run_id
    left join counted on counted.run_id = nodes.run_id and counted.path = nodes.path`,
  `create or replace view topic_counts as
    select c.node_id, c.path, c.label, c.depth, c.parent_id, c.papers, c.papers_any, c.share
    from run_topic_counts c join latest_run lr on c.run_id = lr.run_id order by c.position`
]
