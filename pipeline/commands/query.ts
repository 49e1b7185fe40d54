/** `papersort query "SQL"`: read-only SQL over the database, as a table, CSV or JSON. */
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { DatabaseError, UsageError } from "../domain.ts"
import { toCsv } from "../report.ts"
import { Store } from "../store.ts"
import { formatTable } from "../table.ts"
import { dbFlag } from "./run.ts"

const TABLE_ROW_LIMIT = 50

export const queryCommand = Command.make(
  "query",
  {
    sql: Argument.String("sql").pipe(Argument.withDescription("A SELECT statement (the database is opened read-only)")),
    db: dbFlag,
    format: Flag.Literals("format", ["table", "csv", "json"]).pipe(Flag.withDescription("Output format"), Flag.withDefault("table" as const)),
    limit: Flag.Int("limit").pipe(Flag.withDescription("Rows shown in table format"), Flag.withDefault(TABLE_ROW_LIMIT))
  },
  Effect.fn("command.query")(function*({ format, limit, sql }) {
    const store = yield* Store
    const result = yield* store.query(sql).pipe(
      Effect.catchTag("DatabaseError", (error) =>
        Effect.gen(function*() {
          const tables = yield* store.query("select table_name from information_schema.tables order by table_name").pipe(
            Effect.map((names) => names.rows.map((row) => String(row.table_name)).join(", ")),
            Effect.orElseSucceed(() => "")
          )
          const readOnly = /read-only|read only/i.test(error.reason)
          return yield* new UsageError({
            reason: readOnly ? "papersort query is read-only: the statement would change the database" : `SQL error: ${error.reason.replace(/^the query failed \(|\)$/g, "")}`,
            hint: readOnly ? "Use SELECT statements; runs are written by `papersort run`." : `Tables and views: ${tables}.`
          })
        })
      )
    )
    if (format === "json") return yield* Console.log(JSON.stringify(result.rows, null, 2))
    if (format === "csv") return yield* Console.log(toCsv(result.columns, result.rows).trimEnd())
    const shown = result.rows.slice(0, Math.max(0, limit))
    yield* Console.log(formatTable(result.columns, shown.map((row) => result.columns.map((column) => row[column]))))
    const left = result.rows.length - shown.length
    yield* Console.log(left > 0 ? `(${result.rows.length} rows; ${left} not shown — use --limit or --format csv)` : `(${result.rows.length} rows)`)
  }, (effect, { db }) =>
    existsSync(resolve(db))
      ? Effect.provide(effect, Store.layer({ file: resolve(db), readOnly: true }))
      : Effect.fail(new DatabaseError({ file: db, reason: "no such database", hint: "Run `papersort run` first, or pass --db with an existing database." })))
).pipe(Command.withDescription("Run read-only SQL over the results (tables: runs, papers, paper_topics, …; views: latest_run, latest_paper_topics, topic_counts)"))
