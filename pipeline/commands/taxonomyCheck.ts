/** `papersort taxonomy check [FILE]`: validate a taxonomy, print its tree and its warnings. */
import { resolve } from "node:path"
import { Console, Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import type { Taxonomy } from "../domain.ts"
import { DEFAULT_TAXONOMY, displayPath } from "../paths.ts"
import { loadTaxonomy } from "../taxonomy.ts"

/** The tree as indented lines: id, label, keyword count, children. */
export const formatTree = (taxonomy: Taxonomy): string =>
  taxonomy.nodes.map((node) => {
    const indent = "  ".repeat(node.depth)
    const details = [`${node.keywords.length} keywords`, node.childIds.length > 0 ? `${node.childIds.length} children` : "leaf"]
    if (node.examples.length > 0) details.push(`${node.examples.length} examples`)
    return `${indent}${node.id}  ${node.label}  (${details.join(", ")})`
  }).join("\n")

const checkCommand = Command.make(
  "check",
  { file: Argument.String("file").pipe(Argument.withDescription("Taxonomy YAML (default: taxonomy/ml-research.yaml)"), Argument.optional) },
  Effect.fn("command.taxonomyCheck")(function*({ file }) {
    const path = resolve(Option.getOrElse(file, () => DEFAULT_TAXONOMY))
    const { taxonomy, warnings } = yield* loadTaxonomy(path)
    const leaves = taxonomy.nodes.filter((node) => node.childIds.length === 0).length
    yield* Console.log(`${displayPath(path)}: ${taxonomy.name}, ${taxonomy.nodes.length} nodes (${taxonomy.nodes.filter((node) => node.depth === 0).length} top-level, ${leaves} leaves)`)
    yield* Console.log(formatTree(taxonomy))
    if (warnings.length > 0) {
      yield* Console.log(`\n${warnings.length} warning${warnings.length === 1 ? "" : "s"}:`)
      yield* Console.log(warnings.map((warning) => `${displayPath(path)}:${warning.line}:${warning.col}: warning: ${warning.message}`).join("\n"))
    } else {
      yield* Console.log("\nno problems found")
    }
  })
).pipe(Command.withDescription("Validate a taxonomy file; print its tree and warnings (errors as file:line:col: message)"))

export const taxonomyCommand = Command.make("taxonomy").pipe(
  Command.withDescription("Work with taxonomy files"),
  Command.withSubcommands([checkCommand])
)
