import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { loadReportData } from "../pipeline/reportData.ts"
import { renderReportHtml } from "../pipeline/reportHtml.ts"
import { Store } from "../pipeline/store.ts"
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

  it("reads titles, evidence and keyphrases only for the papers the page shows, and draws the same page as from all of them", async () => {
    expect(first.status).toBe(0)
    const runId = /run id\s+(\S+)/.exec(first.stdout)![1]
    const load = (options: { mapPoints: number; papersPerTopic: number }) =>
      Effect.runPromise(loadReportData(runId, new Map(), options).pipe(
        Effect.provide(Layer.provideMerge(Store.layer({ file: db, readOnly: true }), NodeServices.layer)),
        Effect.scoped
      ))
    const few = { mapPoints: 30, papersPerTopic: 2 }
    const partial = await load(few)
    const everything = await load({ mapPoints: 10_000, papersPerTopic: 10_000 })
    expect(partial.papers.length).toBe(91)
    expect(everything.papers.every((paper) => paper.title !== "" && paper.keyphrases.length > 0 && paper.evidence.length > 0)).toBe(true)
    const withTitles = partial.papers.filter((paper) => paper.title !== "").length
    expect(withTitles).toBeGreaterThanOrEqual(30)
    expect(withTitles).toBeLessThan(91)
    expect(renderReportHtml(partial, few)).toBe(renderReportHtml(everything, few))
  })
})
