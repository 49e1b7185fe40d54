/** `papersort report [--run ID|latest]`: rebuild a run's reports from the database alone. */
import { resolve } from "node:path"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { displayPath } from "../paths.ts"
import { writeReports } from "../report.ts"
import { dbFlag, outFlag } from "./run.ts"
import { resolveRunId, runFlag, withExistingStore } from "./runs.ts"

export const reportCommand = Command.make(
  "report",
  { run: runFlag, db: dbFlag, out: outFlag },
  Effect.fn("command.report")(function*({ out, run }) {
    const runId = yield* resolveRunId(run)
    const written = yield* writeReports(runId, resolve(out))
    yield* Console.log(`reports of run ${runId}: ${displayPath(written.directory)} (also ${displayPath(written.latest)})`)
  }, (effect, { db }) => withExistingStore(effect, db, true))
).pipe(Command.withDescription("Rebuild a run's reports from the database"))
