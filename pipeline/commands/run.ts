/** `papersort run`: parse, classify, store, report — and print a short summary. */
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { Clock, Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { classify, DEFAULT_CLASSIFY } from "../classify.ts"
import { dedupePapers } from "../dedupe.ts"
import { FORMATS, type Paper, UsageError } from "../domain.ts"
import { parseFile } from "../parse/index.ts"
import { BUNDLED_SAMPLE, DEFAULT_DATABASE, DEFAULT_REPORTS, DEFAULT_TAXONOMY, displayPath } from "../paths.ts"
import { makeProgress } from "../progress.ts"
import { writeReports } from "../report.ts"
import { Store } from "../store.ts"
import { formatTable } from "../table.ts"
import { loadTaxonomy } from "../taxonomy.ts"

export const dbFlag = Flag.String("db").pipe(Flag.withDescription("DuckDB database file"), Flag.withDefault(DEFAULT_DATABASE))
export const outFlag = Flag.String("out").pipe(Flag.withDescription("Reports folder (a run writes DIR/<run_id>/ and DIR/latest/)"), Flag.withDefault(DEFAULT_REPORTS))
export const quietFlag = Flag.Boolean("quiet").pipe(Flag.withDescription("No progress on stderr"), Flag.withDefault(false))
export const taxonomyFlag = Flag.String("taxonomy").pipe(Flag.withDescription("Taxonomy YAML file"), Flag.withDefault(DEFAULT_TAXONOMY))

const parseK = (raw: string): Effect.Effect<number | "auto", UsageError> => {
  if (raw === "auto") return Effect.succeed("auto")
  const k = Number(raw)
  return Number.isInteger(k) && k >= 1 && k <= 1000
    ? Effect.succeed(k)
    : Effect.fail(new UsageError({ reason: `--k ${raw} is not a number of clusters`, hint: "Use --k auto or a whole number from 1 to 1000." }))
}

/** Run ids sort by time and never collide: UTC time to the second plus 4 random hex digits. */
const newRunId = (millis: number): string =>
  `${new Date(millis).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}-${randomBytes(2).toString("hex")}`

export const runCommand = Command.make(
  "run",
  {
    files: Argument.String("file").pipe(Argument.withDescription("Dump files (`-` for stdin); none: the bundled sample"), Argument.variadic()),
    taxonomy: taxonomyFlag,
    db: dbFlag,
    out: outFlag,
    format: Flag.Literals("format", ["auto", ...FORMATS]).pipe(Flag.withDescription("Input format (detected from content by default)"), Flag.withDefault("auto" as const)),
    k: Flag.String("k").pipe(Flag.withDescription("Number of clusters, or auto (best silhouette)"), Flag.withDefault("auto")),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed for every random choice"), Flag.withDefault(42)),
    skipBadLines: Flag.Boolean("skip-bad-lines").pipe(Flag.withDescription("Skip and count malformed lines instead of stopping"), Flag.withDefault(false)),
    quiet: quietFlag
  },
  Effect.fn("command.run")(function*(options) {
    const progress = makeProgress(options.quiet)
    const k = yield* parseK(options.k)
    const files = options.files.length > 0 ? options.files.map((file) => (file === "-" ? file : resolve(file))) : [BUNDLED_SAMPLE]
    const { taxonomy } = yield* loadTaxonomy(resolve(options.taxonomy))
    progress.stage("taxonomy", `${taxonomy.nodes.length} nodes from ${displayPath(taxonomy.file)}`)
    // Open the database before the long work, so a locked or foreign file fails at once.
    const store = yield* Store
    const startedAt = new Date(yield* Clock.currentTimeMillis)
    const parsed: Array<Paper> = []
    let skipped = 0
    for (const file of files) {
      const result = yield* parseFile(file, { format: options.format, skipBadLines: options.skipBadLines })
      parsed.push(...result.papers)
      skipped += result.skippedLines
      progress.stage("parse", `${result.papers.length} papers from ${displayPath(file)} (${result.format}${result.skippedLines > 0 ? `, ${result.skippedLines} bad lines skipped` : ""})`, result.papers.length)
    }
    const resolved = dedupePapers(yield* store.resolveIdentities(dedupePapers(parsed).papers))
    const papers = resolved.papers
    progress.stage("dedupe", `${papers.length} distinct papers (${parsed.length - papers.length} duplicates merged)`, parsed.length)
    const classified = classify(papers, taxonomy, { ...DEFAULT_CLASSIFY, k, seed: options.seed }, (stage, detail) => progress.stage(stage, detail, papers.length))
    const runId = newRunId(yield* Clock.currentTimeMillis)
    const params = { k: options.k, chosen_k: classified.clustering.k, k_scores: classified.kChoice?.scores ?? null, seed: options.seed, format: options.format, skipped_lines: skipped, map: DEFAULT_CLASSIFY.map }
    const written = yield* store.writeRun({
      runId,
      kind: "run",
      parentRunId: null,
      startedAt,
      finishedAt: new Date(yield* Clock.currentTimeMillis),
      inputs: files,
      taxonomy,
      params,
      papers,
      clusterOfPaper: classified.clustering.labels,
      keyphrases: classified.keyphrases,
      clusters: classified.clusters,
      clusterTopics: classified.clusterTopics,
      assignments: classified.assignments
    })
    progress.stage("store", `run ${runId}: ${papers.length} papers (${written.newPapers} new) in ${displayPath(store.file)}`, papers.length)
    const reports = yield* writeReports(runId, resolve(options.out))
    progress.stage("report", `${reports.files.length} files in ${displayPath(reports.directory)}`)
    const topTopics = yield* store.query(
      `select node_id, papers from topic_counts where papers > 0 and node_id in (select node_id from paper_topics where run_id = '${runId}' and rank = 1) order by papers desc, node_id limit 5`
    )
    const summary: Array<[string, string]> = [
      ["run id", runId],
      ["papers parsed", String(parsed.length)],
      ["papers (distinct)", `${papers.length} (${written.newPapers} new to the database)`],
      ["clusters", `${classified.clustering.k}${classified.kChoice ? " (k auto: best silhouette)" : ""}`],
      ["suggestions", `${reports.suggestions} (see suggestions.csv)`],
      ["database", displayPath(store.file)],
      ["reports", `${displayPath(reports.directory)} (also ${displayPath(reports.latest)})`]
    ]
    yield* Console.log(summary.map(([name, value]) => `${name.padEnd(18)} ${value}`).join("\n"))
    yield* Console.log("")
    yield* Console.log(formatTable(["top topics", "papers"], topTopics.rows.map((row) => [row.node_id, row.papers])))
  }, (effect, options) => Effect.provide(effect, Store.layer({ file: resolve(options.db), readOnly: false })))
).pipe(Command.withDescription("Parse dumps, sort the papers into the taxonomy, store the run and write its reports"))
