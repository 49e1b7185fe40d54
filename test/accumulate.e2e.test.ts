import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { describe, expect, it } from "vitest"
import { runCli, tempDir } from "./cli-helpers.ts"

const fixture = (name: string): string => join(process.cwd(), "test", "fixtures", name)
const runIdOf = (stdout: string): string => /run id\s+(\S+)/.exec(stdout)![1]

/** Rows read straight from the file; the connection is closed so that the next run can lock the file. */
const rows = async (db: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" })
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

const count = async (db: string, sql: string): Promise<number> => Number((await rows(db, `select count(*) as n from (${sql})`))[0].n)

describe("papersort run accumulates runs in one database", () => {
  it("adds a run but no papers when the same dump runs twice, and keeps the first run queryable", async () => {
    const dir = tempDir("papersort-twice-")
    const db = join(dir, "papersort.duckdb")
    const out = join(dir, "reports")
    const first = runCli(["run", fixture("hf-daily-papers-page.txt"), "--db", db, "--out", out, "--quiet"])
    expect(first.status).toBe(0)
    const second = runCli(["run", fixture("hf-daily-papers-page.txt"), "--db", db, "--out", out, "--quiet"])
    expect(second.status).toBe(0)
    expect(second.stdout).toMatch(/papers \(distinct\)\s+91 \(0 new to the database\)/)
    const [firstId, secondId] = [runIdOf(first.stdout), runIdOf(second.stdout)]
    expect(firstId).not.toBe(secondId)

    expect(await count(db, "select * from runs")).toBe(2)
    expect(await count(db, "select * from papers")).toBe(91)
    expect(await rows(db, "select run_id, count(*)::int as papers from run_papers group by run_id order by run_id")).toEqual([
      { run_id: firstId, papers: 91 },
      { run_id: secondId, papers: 91 }
    ])
    expect(await count(db, `select distinct paper_id from paper_topics where run_id = '${firstId}' and rank = 1`)).toBe(91)
    expect(await count(db, `select * from clusters where run_id = '${firstId}'`)).toBeGreaterThan(1)
    expect((await rows(db, "select run_id from latest_run"))[0].run_id).toBe(secondId)
    expect(existsSync(join(out, firstId, "papers.csv"))).toBe(true)
    const query = runCli(["query", `select count(*) as n from paper_topics where run_id = '${firstId}' and rank = 1`, "--db", db, "--format", "csv"])
    expect(query.status).toBe(0)
    expect(query.stdout).toBe("n\r\n91\n")
  })

  it("keeps a Daily Papers page paper and the same paper from an id'd feed as one row, with its arXiv id filled in", async () => {
    const dir = tempDir("papersort-identity-")
    const db = join(dir, "papersort.duckdb")
    const out = join(dir, "reports")
    const title = "Reward Model Ensembles Help Mitigate Overoptimization"
    expect(readFileSync(fixture("hf-daily-papers-page.txt"), "utf8")).toContain(`\n${title}\n`)
    expect(runCli(["run", fixture("hf-daily-papers-page.txt"), "--db", db, "--out", out, "--quiet"]).status).toBe(0)
    const [stored] = await rows(db, `select paper_id, arxiv_id from papers where title = '${title}'`)
    expect(stored.paper_id).toMatch(/^t:[0-9a-f]{16}$/)
    expect(stored.arxiv_id).toBeNull()

    const feed = join(dir, "feed.jsonl")
    writeFileSync(feed, [
      // Another spelling of the same title: case and white space do not make a paper.
      { id: "2310.02743v2", title: `  reward model ensembles help   mitigate overoptimization`, abstract: "Ensembles of reward models against overoptimization in RLHF." },
      { id: "2401.00001", title: "Message Passing on Sparse Graphs", abstract: "We study message passing neural networks on sparse graphs." },
      { id: "2401.00002", title: "Denoising Diffusion for Tabular Data", abstract: "A diffusion model that generates tabular data." }
    ].map((record) => JSON.stringify(record)).join("\n"))
    const second = runCli(["run", feed, "--db", db, "--out", out, "--quiet"])
    expect(second.status).toBe(0)
    expect(second.stdout).toMatch(/papers \(distinct\)\s+3 \(2 new to the database\)/)

    expect(await count(db, "select * from papers")).toBe(93)
    expect(await rows(db, `select paper_id, arxiv_id from papers where arxiv_id = '2310.02743'`)).toEqual([{ paper_id: stored.paper_id, arxiv_id: "2310.02743" }])
    expect(await count(db, `select * from run_papers where run_id = '${runIdOf(second.stdout)}' and paper_id = '${stored.paper_id}'`)).toBe(1)
  })

  it("reads two files of different formats in one run", async () => {
    const dir = tempDir("papersort-mixed-")
    const db = join(dir, "papersort.duckdb")
    const api = fixture("hf-daily-papers-api.json")
    const atom = fixture("arxiv-api-5.xml")
    const result = runCli(["run", api, atom, "--db", db, "--out", join(dir, "reports")])
    expect(result.status).toBe(0)
    expect(result.stderr).toMatch(/parse\s+\d+ papers from .*hf-daily-papers-api\.json \(hf-json\)/)
    expect(result.stderr).toMatch(/parse\s+5 papers from .*arxiv-api-5\.xml \(arxiv-atom\)/)
    const formats = await rows(db, "select source_format, count(*)::int as papers from papers group by source_format order by source_format")
    expect(formats.map((row) => row.source_format)).toEqual(["arxiv-atom", "hf-json"])
    expect(formats[0].papers).toBe(5)
    const [run] = await rows(db, "select inputs, paper_count from runs")
    expect(run.inputs).toEqual([api, atom])
    expect(run.paper_count).toBe(formats[0].papers as number + (formats[1].papers as number))
    expect(result.stdout).toMatch(new RegExp(`papers \\(distinct\\)\\s+${run.paper_count} \\(${run.paper_count} new`))
  })
})
