/**
 * `papersort remap`: re-map a stored run's papers and clusters onto the taxonomy as
 * it is now, from the run's stored TF-IDF vectors and clusters: no parsing, no
 * vectorising, no clustering. Writes a new run of kind `remap` and `changes.csv`.
 */
import { resolve } from "node:path"
import { Clock, Console, Effect } from "effect"
import { Command } from "effect/cli"
import { assignTopics, DEFAULT_CLASSIFY } from "../classify.ts"
import { collectGarbage } from "./collectGarbage.ts"
import type { Taxonomy } from "../domain.ts"
import { displayPath } from "../paths.ts"
import { makeProgress, type Progress } from "../progress.ts"
import { writeReports } from "../report.ts"
import { stoppableAtOnce } from "../signals.ts"
import { type RemapRecord, takenOnce } from "../runRecord.ts"
import { Store } from "../store.ts"
import type { StoredRun } from "../storeVectors.ts"
import { loadTaxonomy } from "../taxonomy.ts"
import { dbFlag, outFlag, quietFlag, taxonomyFlag } from "./run.ts"
import { newRunId, resolveRunId, runFlag, withExistingStore } from "./runs.ts"

/** The record the store writes, from the mapping: its largest parts taken once (`takenOnce`); and the map's progress line. */
const remapRecordOf = (
  { assignments, clusterTopics, keptLeaves, leafModels }: ReturnType<typeof assignTopics>,
  runId: string,
  sourceRunId: string,
  stored: StoredRun,
  taxonomy: Taxonomy,
  startedAt: Date,
  finishedAt: Date
): { readonly record: RemapRecord; readonly mapped: string } => {
  const learned = leafModels.nodeIds.length - keptLeaves
  const mapped = `${clusterTopics.filter((cluster) => cluster.nodeId !== null).length} of ${stored.clusterCount} clusters mapped; ${
    keptLeaves === 0 ? `every leaf learned from the papers` : `${keptLeaves} leaves kept from run ${sourceRunId}, ${learned} learned`
  }`
  const record: RemapRecord = {
    runId,
    parentRunId: sourceRunId,
    startedAt,
    finishedAt,
    inputs: stored.inputs,
    taxonomy,
    params: {
      ...stored.params,
      map: DEFAULT_CLASSIFY.map,
      vectors_from: stored.vectorsRunId,
      // The source's keyphrases, not a copy: a run older than this keeps them under its own id.
      keyphrases_from: typeof stored.params.keyphrases_from === "string" ? stored.params.keyphrases_from : sourceRunId
    },
    paperIds: stored.paperIds,
    clusterTopics,
    assignments: takenOnce(assignments),
    leafModels: takenOnce(leafModels)
  }
  return { record, mapped }
}

/** Re-map stored run `sourceRunId` onto `taxonomy` and store the result as a new run. */
const remapAndStore = Effect.fn("remap.remapAndStore")(function*(sourceRunId: string, taxonomy: Taxonomy, progress: Progress) {
  const store = yield* Store
  const startedAt = new Date(yield* Clock.currentTimeMillis)
  const stored = yield* store.loadRun(sourceRunId)
  progress.stage("load", `run ${sourceRunId}: ${stored.paperIds.length} papers, ${stored.clusterCount} clusters`, stored.paperIds.length)
  // The run's learned leaf models are a start only for the map options they were learned with.
  const sameOptions = JSON.stringify(stored.params.map) === JSON.stringify(DEFAULT_CLASSIFY.map)
  // Ctrl-C meanwhile ends the process at once: nothing is written yet (signals.ts).
  // The mapping is held only by the record, whose largest parts the store lets go as it writes them.
  const mapping = yield* Effect.sync(() =>
    takenOnce(stoppableAtOnce(() =>
      assignTopics(
        stored.vectorized,
        { labels: stored.clusterOfPaper, k: stored.clusterCount },
        taxonomy,
        DEFAULT_CLASSIFY.map,
        sameOptions ? stored.leafModels : undefined
      )
    ))
  )
  const runId = newRunId(yield* Clock.currentTimeMillis)
  const { record, mapped } = remapRecordOf(mapping(), runId, sourceRunId, stored, taxonomy, startedAt, new Date(yield* Clock.currentTimeMillis))
  progress.stage("map", mapped, stored.paperIds.length)
  yield* store.writeRemap(record)
  progress.stage("store", `run ${runId} (remap) in ${displayPath(store.file)}`, stored.paperIds.length)
  return { runId, papers: stored.paperIds.length }
})

export const remapCommand = Command.make(
  "remap",
  { run: runFlag, taxonomy: taxonomyFlag, db: dbFlag, out: outFlag, quiet: quietFlag },
  Effect.fn("command.remap")(function*(options) {
    const progress = makeProgress(options.quiet)
    const { taxonomy } = yield* loadTaxonomy(resolve(options.taxonomy))
    progress.stage("taxonomy", `${taxonomy.nodes.length} nodes from ${displayPath(taxonomy.file)}`)
    const sourceRunId = yield* resolveRunId(options.run)
    // The stored run and its new mapping are let go before the report (collectGarbage.ts).
    const { runId, papers } = yield* remapAndStore(sourceRunId, taxonomy, progress)
    yield* collectGarbage
    const reports = yield* writeReports(runId, resolve(options.out))
    progress.stage("report", `${reports.files.length} files in ${displayPath(reports.directory)}`)
    yield* Console.log([
      ["run id", `${runId} (remap of ${sourceRunId})`],
      ["papers", String(papers)],
      ["moved", `${reports.moved} papers changed primary topic (see changes.csv)`],
      ["suggestions", `${reports.suggestions} (see suggestions.csv)`],
      ["reports", `${displayPath(reports.directory)} (also ${displayPath(reports.latest)})`]
    ].map(([name, value]) => `${name.padEnd(12)} ${value}`).join("\n"))
  }, (effect, { db }) => withExistingStore(effect, db, false))
).pipe(Command.withDescription("Re-map a stored run onto the taxonomy as it is now (no re-parsing or re-clustering); writes a remap run and changes.csv"))
