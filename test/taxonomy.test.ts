import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { leavesOf, parseTaxonomy } from "../pipeline/taxonomy.ts"
import { mlTaxonomy } from "./fixtures-helpers.ts"

describe("taxonomy", () => {
  it.effect("reads the default taxonomy: at least 6 areas and 25 leaves, each described with 8+ keywords", () =>
    Effect.gen(function*() {
      const taxonomy = mlTaxonomy()
      const areas = taxonomy.nodes.filter((node) => node.depth === 0)
      assert.isAtLeast(areas.length, 6)
      assert.isAtLeast(leavesOf(taxonomy).length, 25)
      for (const node of taxonomy.nodes) {
        assert.isAbove(node.description.length, 0, node.id)
        assert.isAtLeast(node.keywords.length, 8, node.id)
      }
      const child = taxonomy.nodes.find((node) => node.depth === 1)!
      assert.strictEqual(child.path, `${child.parentId}/${child.id}`)
    }))

  it.effect("reports every problem at once with its line and column", () =>
    Effect.gen(function*() {
      const text = [
        "version: 1", // 1
        "name: broken", // 2
        "nodes:", // 3
        "  - id: vision", // 4
        "    label: Vision", // 5
        "    keyword: [images]", // 6
        "  - id: vision", // 7
        "    label: Again", // 8
        "  - id: unassigned", // 9
        "    label: Reserved", // 10
        "  - id: bad id!", // 11
        "    label: Bad" // 12
      ].join("\n")
      const error = yield* Effect.flip(parseTaxonomy(text, "t.yaml"))
      const messages = error.issues.map((issue) => `${issue.line}:${issue.col}: ${issue.message}`)
      assert.match(messages[0], /^6:5: unknown key "keyword" \(did you mean "keywords"\?\)/)
      assert.match(messages[1], /^7:9: duplicate id "vision" \(first defined on line 4\)/)
      assert.match(messages[2], /^9:9: id "unassigned" is reserved/)
      assert.match(messages[3], /^11:9: id "bad id!" is not allowed/)
      assert.strictEqual(messages.length, 4)
    }))

  it.effect("turns a YAML syntax error into file:line:col", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseTaxonomy("version: 1\nnodes:\n  - id: [unclosed\n    label: x\n", "t.yaml"))
      assert.strictEqual(error._tag, "TaxonomyError")
      assert.match(error.issues[0].message, /YAML syntax error/)
      assert.isAtLeast(error.issues[0].line, 3)
    }))
})
