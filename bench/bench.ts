/**
 * `npm run bench`: speed and memory of papersort on generated corpora (see corpus.ts).
 * Prints one table and writes reports/bench.json. Options: --papers N[,N…] for the
 * end-to-end sizes (default 10000,40000), --parse N for the streaming-parse size
 * (default 200000).
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { formatTable } from "../pipeline/table.ts"
import { corpusFile, DEV_SET } from "./corpus.ts"

const argument = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : fallback
}
const sizes = argument("papers", "10000,40000").split(",").map(Number)
const parseSize = Number(argument("parse", "200000"))
const root = join(import.meta.dirname, "..")

interface Row {
  readonly measurement: string
  readonly papers: number
  readonly seconds: number
  readonly papersPerSecond: number
  readonly peakRssMb: number
  readonly stages?: Record<string, number>
}

/** Run a node script under /usr/bin/time -v: wall time, peak RSS and its stderr. */
const timed = (args: ReadonlyArray<string>) => {
  const started = performance.now()
  const result = spawnSync("/usr/bin/time", ["-v", process.execPath, ...args], { encoding: "utf8", cwd: root, maxBuffer: 256 * 1024 * 1024 })
  const seconds = (performance.now() - started) / 1000
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed:\n${result.stderr.slice(-3000)}`)
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024
  return { seconds, peakRssMb: Math.round(rss), stdout: result.stdout, stderr: result.stderr }
}

/** Seconds per stage from the run's progress lines (`[papersort] stage … (1.23 s…`). */
const stageSeconds = (stderr: string): Record<string, number> =>
  Object.fromEntries([...stderr.matchAll(/\[papersort\] (\S+)\s.*?\((\d+\.\d+) s/g)].map((match) => [match[1], Number(match[2])]))

if (!existsSync(DEV_SET)) {
  console.log(`bench skipped: ${DEV_SET} is missing (the corpora are generated from it)`)
  process.exit(0)
}

const rows: Array<Row> = []
const parseCorpus = await corpusFile(parseSize)
const parsed = timed([join(root, "bench", "parse-only.ts"), parseCorpus])
const parseResult = JSON.parse(parsed.stdout) as { papers: number }
rows.push({ measurement: "parse arxiv-jsonl (streaming)", papers: parseResult.papers, seconds: parsed.seconds, papersPerSecond: parseResult.papers / parsed.seconds, peakRssMb: parsed.peakRssMb })

for (const papers of sizes) {
  const file = await corpusFile(papers)
  const work = mkdtempSync(join(tmpdir(), "papersort-bench-"))
  try {
    const run = timed([join(root, "bin", "papersort.js"), "run", file, "--db", join(work, "bench.duckdb"), "--out", join(work, "reports"), "--k", papers >= 40_000 ? "100" : "auto"])
    rows.push({ measurement: "run end to end", papers, seconds: run.seconds, papersPerSecond: papers / run.seconds, peakRssMb: run.peakRssMb, stages: stageSeconds(run.stderr) })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

console.log(formatTable(
  ["measurement", "papers", "seconds", "papers/s", "peak RSS MB", "stages (s)"],
  rows.map((row) => [
    row.measurement, row.papers, row.seconds.toFixed(1), Math.round(row.papersPerSecond), row.peakRssMb,
    row.stages ? Object.entries(row.stages).map(([stage, seconds]) => `${stage} ${seconds}`).join(", ") : ""
  ])
))
mkdirSync(join(root, "reports"), { recursive: true })
writeFileSync(join(root, "reports", "bench.json"), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`)
console.log(`\nwritten: reports/bench.json`)
