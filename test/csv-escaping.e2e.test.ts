import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "csv-parse/sync"
import { describe, expect, it } from "vitest"
import { escapeFormula, toCsv } from "../pipeline/report.ts"
import { readDb, runCli, tempDir } from "./cli-helpers.ts"

const TITLES = [
  "=HYPERLINK(\"http://evil.example\",\"click\") for Diffusion Models",
  "+SUM(A1:A9) Scaling Laws of Language Models",
  "-2+3 Reward Models for Preference Optimization",
  "@cmd Speech Recognition with Transducers",
  "Café naïve Bayes: Résumé Parsing with Große Modelle",
  "大规模语言模型的推理能力评测 (Evaluating Reasoning of Large Language Models)",
  "Emoji 🚀🤖 in Robot Manipulation Policies"
]
const ABSTRACT = "We study large language models and diffusion models for text and image generation, with reinforcement learning from human feedback."

describe("CSV files", () => {
  it("escapes cells that a spreadsheet would run as formulas", () => {
    expect(escapeFormula("=1+1")).toBe("'=1+1")
    expect(escapeFormula("+1")).toBe("'+1")
    expect(escapeFormula("-1")).toBe("'-1")
    expect(escapeFormula("@x")).toBe("'@x")
    expect(escapeFormula("\tx")).toBe("'\tx")
    expect(escapeFormula("plain")).toBe("plain")
    expect(escapeFormula(-1)).toBe(-1)
    expect(toCsv(["a"], [{ a: "=cmd|' /C calc'!A0" }])).toBe("a\r\n'=cmd|' /C calc'!A0\r\n")
  })

  it("keeps accented, CJK and emoji titles intact through DuckDB and CSV, formulas defused", async () => {
    const dir = tempDir()
    const input = join(dir, "papers.jsonl")
    writeFileSync(input, TITLES.map((title, i) => JSON.stringify({ id: `2501.0000${i}`, title, abstract: `${ABSTRACT} Paper ${i}.` })).join("\n"))
    const db = join(dir, "db.duckdb")
    const result = runCli(["run", input, "--db", db, "--out", join(dir, "out"), "--k", "2", "--quiet"])
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    const stored = await readDb(db, "select title from papers order by paper_id")
    expect(stored.map((row) => row.title)).toEqual(TITLES)
    const rows: Array<Record<string, string>> = parse(readFileSync(join(dir, "out", "latest", "papers.csv"), "utf8"), { columns: true })
    const titles = new Set(rows.map((row) => row.title))
    for (const title of TITLES) expect(titles.has(/^[=+\-@]/.test(title) ? `'${title}` : title)).toBe(true)
  })
})
