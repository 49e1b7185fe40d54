/**
 * `npm run bench`: speed and memory of papersort on generated corpora (see corpus.ts).
 * Prints one table and writes reports/bench.json. Options: --papers N[,N…] for the
 * end-to-end sizes (default 10000,40000), --parse N for the streaming-parse size
 * (default 200000).
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseDocument } from "yaml"
import { BUNDLE, buildBundle } from "../pipeline/bundle.ts"
import { DEFAULT_TAXONOMY } from "../pipeline/paths.ts"
import { quoteLiteral } from "../pipeline/sql.ts"
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
  /** scikit-learn's wall time on the same file (load + TF-IDF + MiniBatchKMeans), when it is installed. */
  readonly sklearnSeconds?: number
  readonly sklearnStages?: Record<string, number>
  /** Of a run: how many distinct papers it has in `paper_topics` (every paper, when it completed). */
  readonly papersWithTopics?: number
  readonly error?: string
}

/** Run a node script under /usr/bin/time -v: wall time, peak RSS and its stderr. */
const timed = (args: ReadonlyArray<string>) => {
  const started = performance.now()
  // The heap limit of bin/papersort.js's own #! line: a million papers need more than V8's default 4 GB.
  const result = spawnSync("/usr/bin/time", ["-v", process.execPath, "--max-old-space-size=12288", ...args], { encoding: "utf8", cwd: root, maxBuffer: 256 * 1024 * 1024 })
  const seconds = (performance.now() - started) / 1000
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed:\n${result.stderr.slice(-3000)}`)
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024
  return { seconds, peakRssMb: Math.round(rss), stdout: result.stdout, stderr: result.stderr }
}

/** Seconds per stage from the run's progress lines (`[papersort] stage … (1.23 s…`). */
const stageSeconds = (stderr: string): Record<string, number> =>
  Object.fromEntries([...stderr.matchAll(/\[papersort\] (\S+)\s.*?\((\d+\.\d+) s/g)].map((match) => [match[1], Number(match[2])]))

/** The run id from a command's summary (`run id  20261127-…`). */
const runIdOf = (stdout: string): string => /^run id\s+(\S+)/m.exec(stdout)?.[1] ?? "latest"

/** Distinct papers of run `runId` in `paper_topics` (counted after the run, not timed). */
const papersWithTopics = (db: string, runId: string): number => {
  const sql = `select count(distinct paper_id) as papers from paper_topics where run_id = ${quoteLiteral(runId)}`
  const result = spawnSync(process.execPath, [join(root, "bin", "papersort.js"), "query", "--db", db, "--format", "json", sql], { encoding: "utf8", cwd: root })
  if (result.status !== 0) throw new Error(`counting the run's papers in paper_topics failed:\n${result.stderr.slice(-3000)}`)
  return Number((JSON.parse(result.stdout) as Array<{ readonly papers: number | string }>)[0]?.papers ?? 0)
}

/** A copy of a taxonomy with one leaf added under its first top-level node: the edit a remap is for. */
const withAddedLeaf = (taxonomyFile: string, out: string): string => {
  const document = parseDocument(readFileSync(taxonomyFile, "utf8"))
  document.addIn(["nodes", 0, "children"], {
    id: "mixture-of-experts",
    label: "Mixture of Experts",
    description: "Sparse models that route each input to a few expert sub-networks, and how to train and serve them.",
    keywords: ["mixture of experts", "expert routing", "sparse experts", "gating network", "expert load balancing"]
  })
  writeFileSync(out, document.toString())
  return out
}

/** The machine's Debian python, where `apt-get install python3-sklearn` puts scikit-learn. */
const PYTHON = "/usr/bin/python3"
const sklearnAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0

/** scikit-learn on the same file and k: wall time of the whole process, like papersort's. */
const sklearnBaseline = (file: string, k: number) => {
  const started = performance.now()
  const result = spawnSync(PYTHON, [join(root, "bench", "sklearn_baseline.py"), file, String(k)], { encoding: "utf8", cwd: root })
  const seconds = (performance.now() - started) / 1000
  if (result.status !== 0) throw new Error(`scikit-learn baseline failed:\n${result.stderr.slice(-3000)}`)
  const steps = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Record<string, number>
  return { seconds, stages: { load: steps.load, tfidf: steps.tfidf, kmeans: steps.kmeans } }
}

if (!existsSync(DEV_SET)) {
  console.log(`bench skipped: ${DEV_SET} is missing (the corpora are generated from it)`)
  process.exit(0)
}

if (!sklearnAvailable) console.log(`scikit-learn baseline skipped: \`${PYTHON} -c 'import sklearn'\` failed (apt-get install python3-sklearn)`)

// The command as `npm install` leaves it: from dist/papersort.js, built afresh from these sources.
await buildBundle()
console.log(`papersort from ${BUNDLE}`)

const rows: Array<Row> = []
const parseCorpus = await corpusFile(parseSize)
const parsed = timed([join(root, "bench", "parse-only.ts"), parseCorpus])
const parseResult = JSON.parse(parsed.stdout) as { papers: number }
rows.push({ measurement: "parse arxiv-jsonl (streaming)", papers: parseResult.papers, seconds: parsed.seconds, papersPerSecond: parseResult.papers / parsed.seconds, peakRssMb: parsed.peakRssMb })

for (const papers of sizes) {
  const file = await corpusFile(papers)
  const work = mkdtempSync(join(tmpdir(), "papersort-bench-"))
  try {
    let run: ReturnType<typeof timed>
    try {
      run = timed([join(root, "bin", "papersort.js"), "run", file, "--db", join(work, "bench.duckdb"), "--out", join(work, "reports"), "--k", papers >= 40_000 ? "100" : "auto"])
    } catch (error) {
      // One size failing (memory, a bug at scale) still leaves the others' numbers.
      const reason = /papersort: (.*)/.exec(String(error))?.[1] ?? String(error).split("\n")[0]
      console.log(`run end to end on ${papers} papers failed: ${reason}`)
      rows.push({ measurement: "run end to end (failed)", papers, seconds: Number.NaN, papersPerSecond: Number.NaN, peakRssMb: 0, error: reason })
      continue
    }
    // The k papersort used (auto on small corpora), from its summary: scikit-learn fits the same k.
    const k = Number(/^clusters\s+(\d+)/m.exec(run.stdout)?.[1] ?? 100)
    const sklearn = sklearnAvailable ? sklearnBaseline(file, k) : undefined
    rows.push({
      measurement: "run end to end", papers, seconds: run.seconds, papersPerSecond: papers / run.seconds, peakRssMb: run.peakRssMb,
      stages: stageSeconds(run.stderr), sklearnSeconds: sklearn?.seconds, sklearnStages: sklearn?.stages,
      papersWithTopics: papersWithTopics(join(work, "bench.duckdb"), runIdOf(run.stdout))
    })
    // Remaps of that run (stored vectors and clusters, no re-parsing or re-clustering): onto the same
    // taxonomy, and onto one with a leaf added, as a user edits it.
    const remaps = [
      { name: "remap, same taxonomy", taxonomy: DEFAULT_TAXONOMY },
      { name: "remap, a leaf added", taxonomy: withAddedLeaf(DEFAULT_TAXONOMY, join(work, "edited.yaml")) }
    ]
    for (const { name, taxonomy } of remaps) {
      const remap = timed([join(root, "bin", "papersort.js"), "remap", "--run", runIdOf(run.stdout), "--taxonomy", taxonomy, "--db", join(work, "bench.duckdb"), "--out", join(work, "reports")])
      rows.push({
        measurement: `${name} (${Math.round((remap.seconds / run.seconds) * 100)}% of the run)`, papers, seconds: remap.seconds,
        papersPerSecond: papers / remap.seconds, peakRssMb: remap.peakRssMb, stages: stageSeconds(remap.stderr)
      })
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const stageNames = [...new Set(rows.flatMap((row) => Object.keys(row.stages ?? {})))]
console.log(formatTable(
  ["measurement", "papers", "in paper_topics", "seconds", "papers/s", "peak RSS MB", "scikit-learn s", "÷ scikit-learn"],
  rows.map((row) => [
    row.measurement, row.papers, row.papersWithTopics ?? "", Number.isNaN(row.seconds) ? "" : row.seconds.toFixed(1),
    Number.isNaN(row.papersPerSecond) ? "" : Math.round(row.papersPerSecond), row.peakRssMb,
    row.sklearnSeconds === undefined ? "" : row.sklearnSeconds.toFixed(1),
    row.sklearnSeconds === undefined ? "" : (row.seconds / row.sklearnSeconds).toFixed(2)
  ])
))
const staged = rows.filter((row) => row.stages !== undefined)
if (staged.length > 0) {
  console.log("")
  console.log(formatTable(
    ["papers", ...stageNames.map((stage) => `${stage} s`), "scikit-learn load / tfidf / kmeans s"],
    staged.map((row) => [
      row.papers, ...stageNames.map((stage) => row.stages?.[stage]?.toFixed(2) ?? ""),
      row.sklearnStages ? `${row.sklearnStages.load} / ${row.sklearnStages.tfidf} / ${row.sklearnStages.kmeans}` : ""
    ])
  ))
}
mkdirSync(join(root, "reports"), { recursive: true })
writeFileSync(join(root, "reports", "bench.json"), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`)
console.log(`\nwritten: reports/bench.json`)
