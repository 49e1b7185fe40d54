/**
 * A run's papers are written first, in a transaction that stays open while the run is classified:
 * the store reads their texts back from it in order, and a run abandoned before its commit leaves
 * the database as it was.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Store } from "../pipeline/store.ts"
import { samplePapers } from "./fixtures-helpers.ts"

describe("a run's transaction", () => {
  it.effect("reads the begun run's texts back in order, and rolls the papers back when abandoned", () => {
    const dir = mkdtempSync(join(tmpdir(), "papersort-transaction-"))
    const file = join(dir, "test.duckdb")
    const papers = samplePapers().slice(0, 40).reverse()
    return Effect.gen(function*() {
      const store = yield* Store
      const { newPapers } = yield* store.beginRun("20260101-000000-0000", papers)
      assert.strictEqual(newPapers, papers.length)
      assert.deepStrictEqual(yield* store.begunRunTexts, papers.map(({ abstract, title }) => ({ title, abstract })))
      // A second run cannot begin over an open one.
      assert.isTrue((yield* Effect.result(store.beginRun("20260101-000000-0001", papers)))._tag === "Failure")
      yield* store.abandonRun
      // As it was: a new file, without even the schema the run's transaction made.
      const tables = yield* store.query("select count(*) as tables from information_schema.tables where table_name = 'papers'")
      assert.strictEqual(Number(tables.rows[0].tables), 0)
      assert.strictEqual((yield* store.beginRun("20260101-000000-0002", papers.slice(0, 5))).newPapers, 5)
      yield* store.abandonRun
    }).pipe(
      Effect.provide(Store.layer({ file, readOnly: false })),
      Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    )
  })
})
