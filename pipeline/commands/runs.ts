/** Flags and look-ups shared by the commands that work on a stored run (`--run ID|latest`). */
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { Flag } from "effect/cli"
import { DatabaseError, UsageError } from "../domain.ts"
import { quoteLiteral } from "../sql.ts"
import { Store } from "../store.ts"

export const runFlag = Flag.String("run").pipe(Flag.withDescription("Run id, or latest"), Flag.withDefault("latest"))

/** The run id that `--run` names, or a UsageError that lists the runs there are. */
export const resolveRunId = Effect.fn("runs.resolve")(function*(run: string) {
  const store = yield* Store
  const found = yield* store.query(
    run === "latest" ? "select run_id from latest_run" : `select run_id from runs where run_id = ${quoteLiteral(run)}`
  )
  if (found.rows.length > 0) return String(found.rows[0].run_id)
  const recent = yield* store.query("select run_id, kind from runs order by finished_at desc limit 5")
  return yield* new UsageError({
    reason: run === "latest" ? "the database holds no runs yet" : `no run "${run}" in the database`,
    hint: recent.rows.length > 0
      ? `Recent runs: ${recent.rows.map((row) => `${row.run_id} (${row.kind})`).join(", ")}; or use --run latest.`
      : "Run `papersort run` first."
  })
})

/** Provide the Store for a database that must already exist (nothing to read in a new file). */
export const withExistingStore = <A, E, R>(effect: Effect.Effect<A, E, R>, db: string, readOnly: boolean) => {
  const file = resolve(db)
  return existsSync(file)
    ? Effect.provide(effect, Store.layer({ file, readOnly }))
    : Effect.fail(new DatabaseError({ file, reason: "no such database", hint: "Run `papersort run` first, or pass --db with an existing database." }))
}

/** Run ids sort by time and never collide: UTC time to the second plus 4 random hex digits. */
export const newRunId = (millis: number): string =>
  `${new Date(millis).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}-${randomBytes(2).toString("hex")}`
