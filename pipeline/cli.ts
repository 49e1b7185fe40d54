/**
 * The command line. Exit code 0 = done; 1 = the input is wrong (one clear
 * message naming the file, line and field, and what to do); 2 = internal failure.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect } from "effect"
import { CliError, Command } from "effect/cli"
import packageJson from "../package.json" with { type: "json" }
import { describeUserError, type UserError } from "./domain.ts"
import { evalCommand } from "./commands/evalCommand.ts"
import { queryCommand } from "./commands/query.ts"
import { remapCommand } from "./commands/remap.ts"
import { reportCommand } from "./commands/reportCommand.ts"
import { runCommand } from "./commands/run.ts"
import { taxonomyCommand } from "./commands/taxonomyCheck.ts"

const USER_ERRORS = new Set(["InputError", "TaxonomyError", "DatabaseError", "UsageError"])
const isUserError = (error: unknown): error is UserError =>
  typeof error === "object" && error !== null && USER_ERRORS.has((error as { _tag?: string })._tag ?? "")

const papersort = Command.make("papersort").pipe(
  Command.withDescription("Sort research-paper dumps into a YAML topic taxonomy, with the evidence for every assignment"),
  Command.withSubcommands([runCommand, remapCommand, taxonomyCommand, queryCommand, reportCommand, evalCommand])
)

const program = Command.run(papersort, { version: packageJson.version }).pipe(
  Effect.catchCause((cause) =>
    Effect.sync(() => {
      const error = Cause.squash(cause)
      if (isUserError(error)) {
        const { hint, message } = describeUserError(error)
        process.stderr.write(`papersort: ${message}\n  ${hint}\n`)
        process.exitCode = 1
      } else if (CliError.isCliError(error)) {
        // Effect CLI has printed its message (an unknown flag, a bad value) and the usage.
        process.exitCode = 1
      } else {
        process.stderr.write(`papersort: internal error: ${Cause.pretty(cause)}\nPlease report this with the command you ran.\n`)
        process.exitCode = 2
      }
    })
  ),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
