/** `papersort eval --labels FILE [--run ID|latest]`: score a stored run against labelled papers, as JSON. */
import { resolve } from "node:path"
import { Console, Effect, FileSystem } from "effect"
import { Command, Flag } from "effect/cli"
import { InputError } from "../domain.ts"
import { evaluate, parseGold } from "../evaluate.ts"
import { quoteLiteral } from "../sql.ts"
import { Store } from "../store.ts"
import { dbFlag } from "./run.ts"
import { resolveRunId, runFlag, withExistingStore } from "./runs.ts"

export const evalCommand = Command.make(
  "eval",
  {
    labels: Flag.String("labels").pipe(Flag.withDescription("JSONL: id or title, and labels (first = primary) or primary + secondary")),
    run: runFlag,
    db: dbFlag
  },
  Effect.fn("command.eval")(function*({ labels, run }) {
    const file = resolve(labels)
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError(() => new InputError({ file, reason: "cannot read the labels file", hint: "Check the path given to --labels." }))
    )
    const gold = yield* Effect.fromResult(parseGold(text, file))
    const runId = yield* resolveRunId(run)
    const store = yield* Store
    const predictions = yield* store.query(
      `select p.paper_id, p.arxiv_id, p.title, pt.node_id from paper_topics pt join papers p on p.paper_id = pt.paper_id
       where pt.run_id = ${quoteLiteral(runId)} and pt.rank = 1 order by p.paper_id`
    )
    const result = evaluate(gold, predictions.rows.map((row) => ({
      paperId: String(row.paper_id),
      arxivId: row.arxiv_id === null ? null : String(row.arxiv_id),
      title: String(row.title),
      primary: String(row.node_id)
    })))
    yield* Console.log(JSON.stringify({ run_id: runId, ...result }, null, 2))
  }, (effect, { db }) => withExistingStore(effect, db, true))
).pipe(Command.withDescription("Score a run against labelled papers; prints accuracy, macro-F1 and per-node scores as JSON"))
