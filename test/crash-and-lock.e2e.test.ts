import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout } from "node:timers/promises"
import { describe, expect, it } from "vitest"
import { DuckDBInstance } from "@duckdb/node-api"
import { runCli, tempDir } from "./cli-helpers.ts"

const BIN = join(process.cwd(), "bin", "papersort.js")
/** The 40k-paper arXiv dump of the shared data folder; not in the repository. */
const ARXIV_DUMP = join(process.cwd(), "..", "shared", "data", "arxiv-cs-dev.jsonl")
/**
 * Papers for the run that is stopped: enough that its write transaction takes a few
 * hundred milliseconds (a signal lands well inside it), few enough that the run gets
 * there in seconds.
 */
const STOPPED_RUN_PAPERS = 5000
/** Well inside the ~300 ms that writing STOPPED_RUN_PAPERS takes here, and past its first commits if it had several. */
const SIGNAL_DELAY_MS = 50

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))

/** Collects a child's output; `seen(pattern)` resolves once the pattern shows up in it. */
const watch = (stream: NodeJS.ReadableStream) => {
  let text = ""
  const waiting: Array<{ pattern: RegExp; resolve: () => void }> = []
  stream.setEncoding("utf8")
  stream.on("data", (chunk: string) => {
    text += chunk
    for (const waiter of waiting.filter((w) => w.pattern.test(text))) waiter.resolve()
  })
  return {
    text: () => text,
    seen: (pattern: RegExp) => new Promise<void>((resolve) => (pattern.test(text) ? resolve() : waiting.push({ pattern, resolve })))
  }
}

/**
 * Counts read straight from the file, read-only. The connection is closed too: an
 * open one keeps a lock on the file that a later run in this test would meet.
 */
const counts = async (db: string) => {
  const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" })
  const connection = await instance.connect()
  try {
    const reader = await connection.runAndReadAll("select (select count(*) from runs)::int as runs, (select count(*) from papers)::int as papers, (select count(*) from run_papers)::int as run_papers")
    return reader.getRowObjectsJson()[0]
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

describe.skipIf(!existsSync(ARXIV_DUMP))("papersort run stopped during its store transaction (needs ../shared/data/arxiv-cs-dev.jsonl)", () => {
  const dir = tempDir("papersort-stop-")
  const db = join(dir, "papersort.duckdb")
  const out = join(dir, "reports")
  const dump = join(dir, "arxiv.jsonl")

  /** Starts a run on the dump and sends `signal` a little into its write transaction. */
  const stopDuringStore = async (signal: NodeJS.Signals) => {
    const child = spawn(process.execPath, [BIN, "run", dump, "--k", "8", "--db", db, "--out", out], { stdio: ["ignore", "ignore", "pipe"] })
    const exit = exited(child)
    const stderr = watch(child.stderr!)
    await stderr.seen(/store\s+writing run/)
    // A little into the write, not at its first statement: by then a run written
    // without one enclosing transaction would have committed its first tables.
    await setTimeout(SIGNAL_DELAY_MS)
    child.kill(signal)
    const result = await exit
    // The line printed after the commit: had it come, the signal was too late to test anything.
    expect(stderr.text()).not.toMatch(/store\s+run \S+: /)
    return { ...result, stderr: stderr.text() }
  }

  it("starts from one good run", async () => {
    writeFileSync(dump, readFileSync(ARXIV_DUMP, "utf8").split("\n").slice(0, STOPPED_RUN_PAPERS).join("\n"))
    expect(runCli(["run", "--db", db, "--out", out, "--quiet"]).status).toBe(0)
    expect(await counts(db)).toEqual({ runs: 1, papers: 91, run_papers: 91 })
  })

  it("SIGKILL leaves the database readable and as it was before that run", async () => {
    const before = await counts(db)
    expect((await stopDuringStore("SIGKILL")).signal).toBe("SIGKILL")
    expect(await counts(db)).toEqual(before)
    const query = runCli(["query", "select count(*) as runs from runs", "--db", db, "--format", "csv"])
    expect(query.status).toBe(0)
    expect(query.stdout).toBe(`runs\r\n${before.runs}\n`)
    const next = runCli(["run", "--db", db, "--out", out, "--quiet"])
    expect(next.status).toBe(0)
    expect(await counts(db)).toEqual({ runs: Number(before.runs) + 1, papers: 91, run_papers: Number(before.run_papers) + 91 })
  })

  it("Ctrl-C during the classification ends the process at once, the database as it was", async () => {
    const before = await counts(db)
    // The whole 40k dump: its classification holds the main thread for several seconds.
    const child = spawn(process.execPath, [BIN, "run", ARXIV_DUMP, "--k", "8", "--db", db, "--out", out], { stdio: ["ignore", "ignore", "pipe"] })
    const exit = exited(child)
    const stderr = watch(child.stderr!)
    // Printed from inside the classification, which then clusters and maps for seconds more.
    await stderr.seen(/vectorize\s+\d+ terms/)
    child.kill("SIGINT")
    // Ended by the signal itself: had the runtime's listener been in place, it would have run only
    // after the classification and exited with code 130.
    expect(await exit, stderr.text()).toEqual({ code: null, signal: "SIGINT" })
    expect(stderr.text()).not.toMatch(/\[papersort\] (map|store) /)
    expect(await counts(db)).toEqual(before)
  })

  it("Ctrl-C (SIGINT) rolls the write back and exits 130 without a crash", async () => {
    const before = await counts(db)
    const stopped = await stopDuringStore("SIGINT")
    // Not 139 (a segfault) or a hang: the connection is never closed under a running statement.
    expect(stopped).toMatchObject({ code: 130, signal: null })
    expect(stopped.stderr).not.toMatch(/internal error|at .*\.ts:\d+/)
    expect(await counts(db)).toEqual(before)
  })
})

describe("papersort run on a database another process holds", () => {
  it("fails at once, saying the database is in use", async () => {
    const dir = tempDir("papersort-lock-")
    const db = join(dir, "papersort.duckdb")
    expect(runCli(["run", "--db", db, "--out", join(dir, "reports"), "--quiet"]).status).toBe(0)
    // Another DuckDB client that opens the file for writing and keeps it open.
    const holder = spawn(process.execPath, [
      "--input-type=module",
      "-e",
      "const { DuckDBInstance } = await import('@duckdb/node-api'); const db = await DuckDBInstance.create(process.argv[1]); await db.connect(); console.log('holding'); setInterval(() => {}, 1000)",
      db
    ], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] })
    try {
      await watch(holder.stdout!).seen(/holding/)
      // A hang would be killed here and show as status null.
      const result = spawnSync(process.execPath, [BIN, "run", "--db", db, "--out", join(dir, "reports")], { encoding: "utf8", timeout: 30_000 })
      expect(result.status).toBe(1)
      expect(result.stderr).toContain(`${db}: the database is in use by another papersort (or DuckDB) process`)
      expect(result.stderr).toMatch(/\n {2}Wait for the other run to finish, or pass --db/)
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+/)
      // Found before the parse: the taxonomy is the only stage that ran.
      expect(result.stderr).toMatch(/^\[papersort\] taxonomy .*\npapersort: /)
    } finally {
      holder.kill("SIGKILL")
      await exited(holder)
    }
    expect(await counts(db)).toEqual({ runs: 1, papers: 91, run_papers: 91 })
  })
})
