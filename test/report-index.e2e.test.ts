import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { runCli, tempDir } from "./cli-helpers.ts"

describe("index.html of a run", () => {
  const dir = tempDir()
  const db = join(dir, "db.duckdb")
  const out = join(dir, "reports")
  const first = runCli(["run", "--db", db, "--out", out, "--quiet"])
  const second = runCli(["run", "test/fixtures/hf-daily-papers-api.json", "--db", db, "--out", out, "--quiet"])

  it("is written with the CSV files, self-contained, and names the run", () => {
    expect(first.status).toBe(0)
    const runId = /run id\s+(\S+)/.exec(first.stdout)![1]
    const page = readFileSync(join(out, runId, "index.html"), "utf8")
    expect(page).toContain(runId)
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/i)
    expect(page).toContain("Familiarity: Better Evaluation of Zero-Shot Named Entity Recognition")
    expect(readFileSync(join(out, "latest", "index.html"), "utf8")).not.toBe("")
  })

  it("shows the topics that grew or shrank since the earlier run on another dump", () => {
    expect(second.status).toBe(0)
    const runId = /run id\s+(\S+)/.exec(second.stdout)![1]
    const firstId = /run id\s+(\S+)/.exec(first.stdout)![1]
    const page = readFileSync(join(out, runId, "index.html"), "utf8")
    expect(page).toContain(`Compared with run <code>${firstId}</code>`)
    expect(page).toMatch(/<table class="trend">/)
    expect(readFileSync(join(out, firstId, "index.html"), "utf8")).not.toMatch(/<table class="trend">/)
  })
})
