/**
 * `papersort run`: parse, classify, store, report — and print a short summary.
 *
 * The order protects the database: the taxonomy and every input are read and
 * checked before the database is opened for writing, so bad input fails with the
 * database and the reports untouched; a database held by another process is
 * found before the parse, so that failure comes at once.
 */
import { resolve } from "node:path"
import { Clock, Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { classifyInStages, DEFAULT_CLASSIFY, HandedPapers, type Mapped } from "../classify.ts"
import { collectGarbage } from "./collectGarbage.ts"
import { dedupePapers } from "../dedupe.ts"
import { type EarlyKeyphrases, earlyKeyphrases } from "../keyphrasesBackground.ts"
import { FORMATS, type Paper, type Taxonomy, UsageError } from "../domain.ts"
import { parseFile, type ParseOptions } from "../parse/index.ts"
import { BUNDLED_SAMPLE, DEFAULT_DATABASE, DEFAULT_REPORTS, DEFAULT_TAXONOMY, displayPath } from "../paths.ts"
import { makeProgress, type Progress } from "../progress.ts"
import { checkReportsFolder, type WrittenReports, writeReports } from "../report.ts"
import { stoppableAtOnce } from "../signals.ts"
import { type RunFinishing, type RunRecord, takenOnce } from "../runRecord.ts"
import { quoteLiteral } from "../sql.ts"
import { checkDatabase, Store } from "../store.ts"
import { formatTable } from "../table.ts"
import { loadTaxonomy } from "../taxonomy.ts"
import { newRunId } from "./runs.ts"

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

interface ParsedInputs {
  readonly files: ReadonlyArray<string>
  readonly papers: ReadonlyArray<Paper>
  /** Bad lines skipped under --skip-bad-lines, over all files. */
  readonly skipped: number
}

/** Every input file, parsed in full; the first bad one fails the run before anything is written. */
const parseInputs = Effect.fn("run.parseInputs")(function*(files: ReadonlyArray<string>, options: ParseOptions, progress: Progress) {
  const papers: Array<Paper> = []
  let skipped = 0
  for (const file of files) {
    const result = yield* parseFile(file, options)
    // A loop, not push(...papers): spreading 100,000+ arguments overflows the call stack.
    for (const paper of result.papers) papers.push(paper)
    skipped += result.skippedLines
    const skipNote = result.skippedLines > 0 ? `, ${result.skippedLines} bad lines skipped` : ""
    progress.stage("parse", `${result.papers.length} papers from ${displayPath(file)} (${result.format}${skipNote})`, result.papers.length)
  }
  return { files, papers, skipped } satisfies ParsedInputs
})

interface RunSettings {
  readonly k: number | "auto"
  readonly kOption: string
  readonly seed: number
  readonly format: ParseOptions["format"]
  readonly outDir: string
  readonly startedAt: Date
}

/** What the summary tells of a stored run: counts, not the papers (which the report need not keep in memory). */
interface RunSummary {
  readonly runId: string
  readonly parsed: number
  readonly skipped: number
  readonly papers: number
  readonly newPapers: number
  readonly clusters: number
  readonly kAuto: boolean
}

/** A run's papers once written to the database, handed on to its classification. */
interface StoredPapers {
  readonly runId: string
  readonly papers: HandedPapers
  readonly paperIds: ReadonlyArray<string>
  /** Which parsed paper's texts each paper has (dedupePapers). */
  readonly sources: Int32Array
  readonly newPapers: number
}

/**
 * The run's distinct papers, each under the id the database knows it by, written first in the
 * run's transaction: from here on nothing but the classification (until it has vectorised them)
 * and the keyphrase thread's queue holds them.
 */
const storePapers = Effect.fn("run.storePapers")(function*(parsed: ReadonlyArray<Paper>, progress: Progress) {
  const store = yield* Store
  // Papers the database already holds keep their stored id (ARCHITECTURE "Paper identity");
  // two inputs that turn out to be one stored paper are merged again (only needed when an id changed).
  const distinct = dedupePapers(parsed)
  const resolved = yield* store.resolveIdentities(distinct.papers)
  const again = resolved.some((paper, i) => paper !== distinct.papers[i]) ? dedupePapers(resolved) : undefined
  const papers = again?.papers ?? resolved
  // An id resolved changes no text.
  const sources = again === undefined ? distinct.sources : again.sources.map((source) => (source < 0 ? -1 : distinct.sources[source]))
  progress.stage("dedupe", `${papers.length} distinct papers (${parsed.length - papers.length} duplicates merged)`, parsed.length)
  const runId = newRunId(yield* Clock.currentTimeMillis)
  const { newPapers } = yield* store.beginRun(runId, papers)
  progress.stage("papers", `${papers.length} written to ${displayPath(store.file)} (${newPapers} new), in the transaction of run ${runId}`, papers.length)
  return { runId, papers: new HandedPapers(papers), paperIds: papers.map((paper) => paper.paperId), sources, newPapers } satisfies StoredPapers
})

/** The record the store writes, from the classification: its largest parts taken once (`takenOnce`). */
const runRecordOf = (
  { finishing, mapped }: { readonly mapped: Mapped; readonly finishing: Promise<RunFinishing> },
  runId: string,
  paperIds: ReadonlyArray<string>,
  taxonomy: Taxonomy,
  settings: RunSettings,
  files: ReadonlyArray<string>,
  skipped: number,
  finishedAt: Date
) => {
  const params = {
    k: settings.kOption, chosen_k: mapped.clustering.k, k_scores: mapped.kChoice?.scores ?? null, seed: settings.seed,
    format: settings.format, skipped_lines: skipped, map: DEFAULT_CLASSIFY.map, taxonomy_name: taxonomy.name
  }
  const record: RunRecord = {
    runId,
    kind: "run",
    parentRunId: null,
    startedAt: settings.startedAt,
    finishedAt,
    inputs: files,
    taxonomy,
    params,
    paperIds,
    clusterOfPaper: mapped.clustering.labels,
    finishing,
    clusterTopics: mapped.clusterTopics,
    assignments: takenOnce(mapped.assignments),
    leafModels: takenOnce(mapped.leafModels),
    vectors: takenOnce(mapped.vectorized)
  }
  return { record, clusters: mapped.clustering.k, kAuto: mapped.kChoice !== null }
}

/**
 * Classify the parsed papers against what the database knows and store the run; `keyphrases`
 * has been given the parsed papers as they came. `takeInput` hands the parsed papers over: a
 * million papers' texts need not stay in memory once written and vectorised.
 */
const classifyAndStore = Effect.fn("run.classifyAndStore")(function*(
  takeInput: () => ParsedInputs,
  taxonomy: Taxonomy,
  settings: RunSettings,
  progress: Progress,
  keyphrases: EarlyKeyphrases
) {
  const store = yield* Store
  let input: ParsedInputs | undefined = takeInput()
  const { files, skipped } = input
  const parsed = input.papers.length
  const stored = yield* storePapers(input.papers, progress)
  input = undefined
  const { runId, paperIds } = stored
  const count = paperIds.length
  // The store goes on as soon as the map is done; the keyphrases and map coordinates follow into it from their threads.
  // Ctrl-C meanwhile ends the process at once: nothing is committed (signals.ts).
  // The classification is held only by the record, whose largest parts the store lets go as it writes them.
  const classified = yield* Effect.sync(() =>
    takenOnce(stoppableAtOnce(() =>
      classifyInStages(stored.papers, taxonomy, { ...DEFAULT_CLASSIFY, k: settings.k, seed: settings.seed }, (stage, detail) => progress.stage(stage, detail, count), {
        keyphrases,
        sources: stored.sources,
        textsAgain: () => Effect.runPromise(store.begunRunTexts)
      })
    ))
  )
  const { record, clusters, kAuto } = runRecordOf(classified(), runId, paperIds, taxonomy, settings, files, skipped, new Date(yield* Clock.currentTimeMillis))
  progress.begin("store", `writing run ${runId} (${count} papers) to ${displayPath(store.file)}`)
  yield* store.writeRun(record)
  progress.stage("store", `run ${runId}: ${count} papers (${stored.newPapers} new) in ${displayPath(store.file)}`, count)
  return {
    runId,
    parsed,
    skipped,
    papers: count,
    newPapers: stored.newPapers,
    clusters,
    kAuto
  } satisfies RunSummary
}, (effect) =>
  // A run that fails or stops between its papers and its commit (the classification throws, the
  // store fails, Ctrl-C in the store) leaves the database as it was.
  Effect.onError(effect, () =>
    Effect.gen(function*() {
      const store = yield* Store
      yield* store.abandonRun
    })))

const printSummary = Effect.fn("run.printSummary")(function*(run: RunSummary, reports: WrittenReports) {
  const store = yield* Store
  const topTopics = yield* store.query(
    `select node_id, papers from topic_counts where papers > 0 and node_id in (select node_id from paper_topics where run_id = ${quoteLiteral(run.runId)} and rank = 1) order by papers desc, node_id limit 5`
  )
  const summary: Array<[string, string]> = [
    ["run id", run.runId],
    ["papers parsed", String(run.parsed)],
    ...(run.skipped > 0 ? [["bad lines skipped", String(run.skipped)] as [string, string]] : []),
    ["papers (distinct)", `${run.papers} (${run.newPapers} new to the database)`],
    ["clusters", `${run.clusters}${run.kAuto ? " (k auto: best silhouette)" : ""}`],
    ["suggestions", `${reports.suggestions} (see suggestions.csv)`],
    ["database", displayPath(store.file)],
    ["reports", `${displayPath(reports.directory)} (also ${displayPath(reports.latest)})`]
  ]
  yield* Console.log(summary.map(([name, value]) => `${name.padEnd(18)} ${value}`).join("\n"))
  yield* Console.log("")
  yield* Console.log(formatTable(["top topics", "papers"], topTopics.rows.map((row) => [row.node_id, row.papers])))
})

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
    const db = resolve(options.db)
    const outDir = resolve(options.out)
    yield* checkReportsFolder(outDir)
    const { taxonomy } = yield* loadTaxonomy(resolve(options.taxonomy))
    progress.stage("taxonomy", `${taxonomy.nodes.length} nodes from ${displayPath(taxonomy.file)}`)
    yield* checkDatabase(db)
    const startedAt = new Date(yield* Clock.currentTimeMillis)
    // The keyphrase thread starts on the papers as they are parsed: it has the second core to itself until the vectorise stage.
    const keyphrases = earlyKeyphrases()
    const stopKeyphrases = Effect.onError(() => Effect.sync(() => keyphrases.cancel()))
    let input: ParsedInputs | undefined = yield* parseInputs(files, { format: options.format, skipBadLines: options.skipBadLines, onPaper: (paper) => keyphrases.add(paper) }, progress).pipe(stopKeyphrases)
    // Handed over once: nothing here holds the papers after the store, so the report's queries
    // run beside DuckDB's memory alone (a million papers' texts, vectors and assignments are gigabytes).
    const takeInput = (): ParsedInputs => {
      const taken = input!
      input = undefined
      return taken
    }
    const settings: RunSettings = { k, kOption: options.k, seed: options.seed, format: options.format, outDir, startedAt }
    // Opened for writing only now, with every input read; the lock is held until the reports are written.
    yield* Effect.gen(function*() {
      const stored = yield* classifyAndStore(takeInput, taxonomy, settings, progress, keyphrases)
      yield* collectGarbage
      const reports = yield* writeReports(stored.runId, settings.outDir)
      progress.stage("report", `${reports.files.length} files in ${displayPath(reports.directory)}`)
      yield* printSummary(stored, reports)
    }).pipe(stopKeyphrases, Effect.provide(Store.layer({ file: db, readOnly: false })))
  })
).pipe(Command.withDescription("Parse dumps, sort the papers into the taxonomy, store the run and write its reports"))
