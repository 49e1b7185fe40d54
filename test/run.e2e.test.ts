import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "csv-parse/sync"
import { describe, expect, it } from "vitest"
import { readDb, runCli, tempDir } from "./cli-helpers.ts"

const REPORT_COLUMNS: Record<string, ReadonlyArray<string>> = {
  "topics.csv": ["node_id", "path", "label", "depth", "papers", "papers_any", "share"],
  "papers.csv": ["paper_id", "title", "topic", "topic_path", "score", "secondary_topics", "cluster_id", "keyphrases", "evidence"],
  "clusters.csv": ["cluster_id", "size", "label", "top_terms", "topic", "score"],
  "suggestions.csv": ["kind", "cluster_id", "size", "proposed_label", "keyphrases", "sample_titles", "nearest_node", "score"]
}

const readCsv = (file: string): Array<Record<string, string>> => parse(readFileSync(file, "utf8"), { columns: true, bom: true })

describe("papersort run on the bundled sample", () => {
  const dir = tempDir()
  const db = join(dir, "papersort.duckdb")
  const out = join(dir, "reports")
  const first = runCli(["run", "--db", db, "--out", out])

  it("succeeds and prints the run id, counts, top topics and where the results are", () => {
    expect(first.stderr).toMatch(/parse/)
    expect(first.status).toBe(0)
    expect(first.stdout).toMatch(/papers parsed\s+91/)
    expect(first.stdout).toMatch(/run id\s+\d{8}-\d{6}-[0-9a-f]{4}/)
    expect(first.stdout).toContain(db)
    expect(first.stdout).toContain(join(out, "latest"))
    expect(first.stdout).toMatch(/top topics/)
  })

  it("writes every table and view of the contract", async () => {
    const papers = await readDb(db, "select count(*)::int as n from papers")
    expect(papers[0].n).toBe(91)
    const primaries = await readDb(db, "select paper_id, count(*)::int as n from paper_topics where rank = 1 group by paper_id")
    expect(primaries).toHaveLength(91)
    expect(primaries.every((row) => row.n === 1)).toBe(true)
    const ranks = await readDb(db, "select max(rank)::int as r, min(score) as lo, max(score) as hi from paper_topics")
    expect(ranks[0].r).toBeLessThanOrEqual(3)
    expect(Number(ranks[0].lo)).toBeGreaterThanOrEqual(0)
    expect(Number(ranks[0].hi)).toBeLessThanOrEqual(1)
    const largest = await readDb(db, "select max(n)::int as n from (select count(*) as n from paper_topics where rank = 1 group by node_id)")
    expect(largest[0].n).toBeLessThanOrEqual(0.4 * 91)
    const clusters = await readDb(db, "select * from clusters")
    expect(clusters.length).toBeGreaterThan(1)
    for (const cluster of clusters) {
      expect(String(cluster.label).length).toBeGreaterThan(0)
      expect((cluster.top_terms as Array<string>).length).toBeGreaterThan(0)
    }
    const keyphrases = await readDb(db, "select count(distinct paper_id)::int as n, max(rank)::int as r from keyphrases")
    expect(keyphrases[0].n).toBe(91)
    expect(keyphrases[0].r).toBeLessThanOrEqual(10)
    expect(await readDb(db, "select * from latest_run")).toHaveLength(1)
    const latest = await readDb(db, "select * from latest_paper_topics where rank = 1")
    expect(latest).toHaveLength(91)
    expect(Object.keys(latest[0])).toEqual(["paper_id", "title", "node_id", "path", "label", "rank", "score", "evidence", "cluster_id"])
    const counts = await readDb(db, "select * from topic_counts")
    const roots = counts.filter((row) => row.depth === 0)
    expect(roots.reduce((sum, row) => sum + Number(row.papers), 0)).toBe(91)
    const runs = await readDb(db, "select * from runs")
    expect(runs[0].kind).toBe("run")
    expect(runs[0].paper_count).toBe(91)
    expect(String(runs[0].taxonomy_sha256)).toMatch(/^[0-9a-f]{64}$/)
  })

  it("writes the four report files with the contract's columns, in the run's folder and in latest/", () => {
    const runId = /run id\s+(\S+)/.exec(first.stdout)![1]
    for (const [file, columns] of Object.entries(REPORT_COLUMNS)) {
      for (const folder of [runId, "latest"]) {
        const text = readFileSync(join(out, folder, file), "utf8")
        expect(text.split("\r\n")[0]).toBe(columns.join(","))
      }
    }
    const papers = readCsv(join(out, "latest", "papers.csv"))
    expect(papers).toHaveLength(91)
    expect(papers.every((row) => row.topic.length > 0)).toBe(true)
    const topics = readCsv(join(out, "latest", "topics.csv"))
    expect(topics.length).toBeGreaterThan(25)
  })

  it("lists each paper's secondary topics in papers.csv as stored, in rank order", async () => {
    const stored = await readDb(db, "select paper_id, node_id, score from paper_topics where rank > 1 order by paper_id, rank")
    const expected = new Map<string, Array<string>>()
    for (const row of stored) expected.set(String(row.paper_id), [...(expected.get(String(row.paper_id)) ?? []), `${row.node_id} (${row.score})`])
    expect([...expected.values()].some((list) => list.length === 2), "some paper has two secondary topics").toBe(true)
    for (const paper of readCsv(join(out, "latest", "papers.csv"))) {
      expect(paper.secondary_topics, paper.paper_id).toBe((expected.get(paper.paper_id) ?? []).join("; "))
    }
  })

  it("gives byte-identical CSV files for a second run with the same seed", () => {
    const second = runCli(["run", "--db", join(dir, "second.duckdb"), "--out", join(dir, "second"), "--quiet"])
    expect(second.status).toBe(0)
    expect(second.stderr).toBe("")
    for (const file of Object.keys(REPORT_COLUMNS)) {
      expect(readFileSync(join(dir, "second", "latest", file), "utf8")).toBe(readFileSync(join(out, "latest", file), "utf8"))
    }
  })

  it("answers `query --format json` with valid JSON", () => {
    const result = runCli(["query", "select * from topic_counts", "--db", db, "--format", "json"])
    expect(result.status).toBe(0)
    const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>
    expect(rows.length).toBeGreaterThan(25)
    expect(rows[0]).toHaveProperty("node_id")
  })

  it("refuses a statement that writes, and names the tables on an SQL error", () => {
    const write = runCli(["query", "delete from papers", "--db", db])
    expect(write.status).toBe(1)
    expect(write.stderr).toMatch(/read-only/)
    const wrong = runCli(["query", "select * from nope", "--db", db])
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toMatch(/paper_topics/)
    expect(wrong.stderr).not.toMatch(/at .*\.ts:\d+/)
  })
})
