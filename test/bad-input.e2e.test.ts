import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { readDb, runCli, tempDir } from "./cli-helpers.ts"

const fixture = (name: string): string => join(process.cwd(), "test", "fixtures", name)

/** SHA-256 of every file under the given paths (missing ones left out), by path. */
const snapshot = (paths: ReadonlyArray<string>): Record<string, string> => {
  const hashes: Record<string, string> = {}
  const visit = (path: string): void => {
    if (!existsSync(path)) return
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name))
    } else {
      hashes[path] = createHash("sha256").update(readFileSync(path)).digest("hex")
    }
  }
  paths.forEach(visit)
  return hashes
}

const latin1 = (text: string): Buffer => Buffer.from(text, "latin1")

describe("papersort run on bad input: exit 1, a message naming the place and what to do, database and reports untouched", () => {
  const dir = tempDir("papersort-bad-")
  const db = join(dir, "papersort.duckdb")
  const out = join(dir, "reports")
  const inputs = join(dir, "inputs")
  mkdirSync(inputs)
  const good = runCli(["run", "--db", db, "--out", out, "--quiet"])
  const guarded = [out, db, `${db}.wal`]
  const before = snapshot(guarded)

  const input = (name: string, content: string | Uint8Array): string => {
    const path = join(inputs, name)
    writeFileSync(path, content)
    return path
  }

  /** Runs `papersort run ARGS` on the good run's database and reports, and checks the failure. */
  const rejects = (args: ReadonlyArray<string>, expected: ReadonlyArray<string | RegExp>) => {
    const result = runCli(["run", "--db", db, "--out", out, "--quiet", ...args])
    expect(result.status).toBe(1)
    for (const part of expected) {
      if (typeof part === "string") expect(result.stderr).toContain(part)
      else expect(result.stderr).toMatch(part)
    }
    // One message, then an indented hint that says what to do.
    expect(result.stderr).toMatch(/^papersort: .+\n {2}\S.*\n$/)
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/)
    expect(result.stdout).toBe("")
    expect(snapshot(guarded)).toEqual(before)
    return result
  }

  it("starts from a good run whose database and reports are then guarded", () => {
    expect(good.status).toBe(0)
    expect(Object.keys(before).some((path) => path.endsWith("papers.csv"))).toBe(true)
    expect(before[db]).toBeDefined()
  })

  it("rejects an empty file", () => {
    const file = input("empty.jsonl", "")
    rejects([file], [`${file}: the file is empty`])
  })

  it("rejects a file of only white space", () => {
    const file = input("blank.txt", "  \n\t\r\n\n")
    rejects([file], [`${file}: the file holds only white space`])
  })

  it("rejects binary data", () => {
    const file = input("figure.csv", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]))
    rejects([file], [`${file}: the file is binary, not text`])
  })

  it("rejects invalid UTF-8, naming the line", () => {
    const file = input("latin1.jsonl", latin1("{\"title\":\"One\"}\n{\"title\":\"Two\"}\n{\"title\":\"Caf\xe9\"}\n"))
    rejects([file], [`${file}, line 3: the file is not valid UTF-8`])
  })

  it("rejects an HTML page saved instead of the copied text, and says to copy the text", () => {
    const file = input("page.txt", "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Daily Papers</title></head><body>…</body></html>")
    rejects([file], [`${file}: this is an HTML page`, /copy/i])
  })

  it("rejects a truncated API response, naming the line", () => {
    const file = input("api.json", readFileSync(fixture("hf-daily-papers-api.json"), "utf8").slice(0, 50_000))
    rejects([file], [`${file}, line 1: `, /truncated/])
  })

  it("rejects a JSONL file with one bad line, naming the line and offering --skip-bad-lines", () => {
    const file = input("one-bad.jsonl", "{\"title\":\"Good\",\"abstract\":\"a\"}\n{\"title\":\"cut\n{\"title\":\"Fine\",\"abstract\":\"b\"}\n")
    rejects([file], [`${file}, line 2: not valid JSON`, "--skip-bad-lines"])
  })

  it("rejects malformed XML, naming the line", () => {
    const file = input("feed.xml", "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry><id>x</id>\n<title>A</summary>\n</entry></feed>\n")
    rejects([file], [`${file}, line 4: malformed XML`])
  })

  it("rejects a CSV without a title column, naming the columns it found", () => {
    const file = input("papers.csv", "Name,Abstract,Year\nA paper,Its abstract,2024\n")
    rejects([file], [`${file}, line 1: the header row has no "title" column (found: "name", "abstract", "year")`])
  })

  it("rejects a paper with an empty title, naming the line and field", () => {
    const file = input("untitled.csv", "title,abstract\nA paper,Its abstract\n\"  \",No title here\n")
    rejects([file], [`${file}, line 3, field "title": the paper has an empty title`])
  })

  it("rejects a 50 MB single line, naming it", () => {
    const line = Buffer.concat([Buffer.from("{\"title\":\"ok\",\"abstract\":\""), Buffer.alloc(50 * 1024 * 1024, "a"), Buffer.from("\"}\n")])
    const file = input("huge.jsonl", line)
    rejects([file], [`${file}, line 1: the line is longer than 10 MB`])
  })

  it("rejects a file that does not exist", () => {
    const file = join(inputs, "nowhere.jsonl")
    rejects([file], [`${file}: no such file`])
  })

  it("rejects a directory", () => {
    rejects([inputs], [`${inputs}: this is a directory, not a dump file`])
  })

  it("rejects a bad file after a good one, storing nothing of either", () => {
    const file = input("empty-again.jsonl", "")
    rejects([fixture("arxiv-api-5.xml"), file], [`${file}: the file is empty`])
  })

  it("rejects a --db file that is not a DuckDB database, and leaves it as it was", () => {
    const notes = input("notes.duckdb", "my notes, not a database\n")
    const result = runCli(["run", "--db", notes, "--out", out, "--quiet"])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`${notes}: this is not a DuckDB database`)
    expect(result.stderr).toMatch(/\n {2}Pass --db with/)
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/)
    expect(readFileSync(notes, "utf8")).toBe("my notes, not a database\n")
    expect(existsSync(`${notes}.wal`)).toBe(false)
    expect(snapshot(guarded)).toEqual(before)
  })

  it("rejects a taxonomy with a YAML syntax error as file:line:col", () => {
    const taxonomy = input("broken.yaml", "version: 1\nname: broken\nnodes:\n  - id: a\n    label: [unclosed\n")
    rejects(["--taxonomy", taxonomy], [new RegExp(`${taxonomy.replaceAll(".", "\\.")}:\\d+:\\d+: YAML syntax error`), "taxonomy check"])
  })

  it("rejects --out that is a file before doing any work", () => {
    const file = input("not-a-folder", "x")
    const result = runCli(["run", "--db", db, "--out", file, "--quiet"])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`--out ${file} is a file, not a folder`)
    expect(snapshot(guarded)).toEqual(before)
  })
})

describe("papersort run --skip-bad-lines", () => {
  it("skips the bad line, stores the good ones and reports how many it skipped", async () => {
    const dir = tempDir("papersort-skip-")
    const file = join(dir, "one-bad.jsonl")
    writeFileSync(file, "{\"title\":\"Good\",\"abstract\":\"a\"}\n{\"title\":\"cut\n{\"title\":\"Fine\",\"abstract\":\"b\"}\n")
    const db = join(dir, "papersort.duckdb")
    const result = runCli(["run", file, "--skip-bad-lines", "--db", db, "--out", join(dir, "reports")])
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/bad lines skipped\s+1\n/)
    expect(result.stderr).toMatch(/parse\s+2 papers from .*one-bad\.jsonl \(jsonl, 1 bad lines skipped\)/)
    const runs = await readDb(db, "select params->>'skipped_lines' as skipped, paper_count from runs")
    expect(runs).toEqual([{ skipped: "1", paper_count: 2 }])
  })
})
