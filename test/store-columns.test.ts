/**
 * The store's bulk writes against a real DuckDB file: numeric columns cross chunk boundaries
 * intact, and keyphrases, run papers and topics come out row for row as the flat arrays and
 * assignments say, in paper and rank order, with the staged ids, phrases and nodes joined back in.
 */
import { assert, describe, it } from "@effect/vitest"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { appendColumns, insertKeyphrases, insertRunPapers, insertTopics, stageStrings } from "../pipeline/storeColumns.ts"
import { SCHEMA_STATEMENTS } from "../pipeline/storeSchema.ts"

const withDatabase = <A>(use: (connection: Awaited<ReturnType<DuckDBInstance["connect"]>>) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const dir = mkdtempSync(join(tmpdir(), "papersort-columns-"))
      const instance = await DuckDBInstance.create(join(dir, "test.duckdb"))
      return { dir, instance, connection: await instance.connect() }
    }),
    ({ connection }) => Effect.promise(() => use(connection)),
    ({ connection, dir, instance }) =>
      Effect.sync(() => {
        connection.closeSync()
        instance.closeSync()
        rmSync(dir, { recursive: true, force: true })
      })
  )

describe("storeColumns", () => {
  it.effect("appends numeric columns across chunk boundaries, the last chunk partial", () =>
    withDatabase(async (connection) => {
      const rows = 2 * 2_048 + 907
      const ints = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % 100_003 - 50_000)
      const floats = Float32Array.from({ length: rows }, (_, i) => Math.fround(i / 3))
      const doubles = Float64Array.from({ length: rows }, (_, i) => Math.sqrt(i) * 1e-7)
      await connection.run("create table numbers (a integer, b float, c double)")
      await appendColumns(connection, "numbers", [ints, floats, doubles])
      const [a, b, c] = (await connection.runAndReadAll("select a, b, c from numbers")).getColumns()
      assert.strictEqual(a.length, rows)
      assert.deepStrictEqual(Int32Array.from(a, Number), ints)
      assert.deepStrictEqual(Float32Array.from(b, Number), floats)
      assert.deepStrictEqual(Float64Array.from(c, Number), doubles)
    }))

  it.effect("appends strings past the appender's flushes (every 32,768 rows) in order, none lost", () =>
    withDatabase(async (connection) => {
      const rows = 3 * 32_768 + 4_321
      const values = Array.from({ length: rows }, (_, i) => `value ${i} ${"x".repeat(i % 97)}`)
      await stageStrings(connection, "staged_values", values)
      const [ids, read] = (await connection.runAndReadAll("select id, value from staged_values order by id")).getColumns()
      assert.deepStrictEqual(ids.map(Number), Array.from({ length: rows }, (_, i) => i))
      assert.deepStrictEqual(read.map(String), values)
    }))

  it.effect("writes keyphrases and run papers in paper and rank order, a paper without keyphrases included", () =>
    withDatabase(async (connection) => {
      for (const statement of SCHEMA_STATEMENTS) await connection.run(statement)
      // 3,000 papers: paper p has p % 4 keyphrases, phrases shared between papers.
      const papers = 3_000
      const paperIds = Array.from({ length: papers }, (_, p) => `paper-${p}`)
      const offsets = new Int32Array(papers + 1)
      for (let p = 0; p < papers; p++) offsets[p + 1] = offsets[p] + (p % 4)
      const entries = offsets[papers]
      const phrases = Array.from({ length: 50 }, (_, i) => `phrase ${i}`)
      const phrase = Int32Array.from({ length: entries }, (_, e) => (e * 13) % phrases.length)
      const score = Float64Array.from({ length: entries }, (_, e) => 1 / (1 + e))
      const clusterOfPaper = Int32Array.from({ length: papers }, (_, p) => p % 7)
      const x = Float32Array.from({ length: papers }, (_, p) => Math.fround(p / papers))
      const y = Float32Array.from({ length: papers }, (_, p) => Math.fround(-p / papers))
      await stageStrings(connection, "staged_paper_ids", paperIds)
      await insertRunPapers(connection, "run-1", "staged_paper_ids", { clusterOfPaper, x, y })
      await insertKeyphrases(connection, "run-1", paperIds, { offsets, phrase, score, phrases })

      // A row per paper with keyphrases, in paper order; a row per keyphrase through the view.
      const rows = (await connection.runAndReadAll("select paper_id from paper_keyphrases")).getColumnsJson()[0]
      assert.deepStrictEqual(rows, paperIds.filter((_, p) => p % 4 > 0))
      await connection.run("insert into runs values ('run-1', 'run', null, now(), now(), [], 't.yaml', '', '{}', 3000)")
      const keyphrases = (await connection.runAndReadAll(
        "select run_id, paper_id, rank, phrase, score from keyphrases order by split_part(paper_id, '-', 2)::integer, rank"
      )).getRowsJson()
      const expected: Array<Array<unknown>> = []
      for (let p = 0; p < papers; p++) {
        for (let e = offsets[p]; e < offsets[p + 1]; e++) expected.push(["run-1", paperIds[p], e - offsets[p] + 1, phrases[phrase[e]], score[e]])
      }
      assert.deepStrictEqual(keyphrases, expected)

      const runPapers = (await connection.runAndReadAll("select run_id, paper_id, cluster_id, x, y from run_papers")).getRows()
      assert.deepStrictEqual(runPapers, paperIds.map((id, p) => ["run-1", id, clusterOfPaper[p], x[p], y[p]]))
      // The staging tables are gone; the paper ids stay for the caller's other tables.
      const temporary = (await connection.runAndReadAll("select table_name from duckdb_tables() where temporary order by table_name")).getColumns()[0]
      assert.deepStrictEqual(temporary, ["staged_paper_ids"])
    }))

  it.effect("writes topics row for row, evidence lists (empty ones too) as they were", () =>
    withDatabase(async (connection) => {
      for (const statement of SCHEMA_STATEMENTS) await connection.run(statement)
      const paperIds = ["a", "b", "c", "d"]
      const assignments = [
        { paperIndex: 0, topics: [{ nodeId: "vision", score: 0.61, evidence: ["image", "diffusion models"] }, { nodeId: "generative", score: 0.2, evidence: [] }] },
        { paperIndex: 1, topics: [{ nodeId: "unassigned", score: 0, evidence: [] }] },
        { paperIndex: 3, topics: [{ nodeId: "generative", score: 0.9, evidence: ["GAN"] }] },
        { paperIndex: 2, topics: [{ nodeId: "language", score: 0.5, evidence: ["LLM", "tokens", "RLHF"] }, { nodeId: "vision", score: 0.3, evidence: ["image"] }] }
      ]
      await stageStrings(connection, "staged_paper_ids", paperIds)
      await insertTopics(connection, "run-1", "staged_paper_ids", assignments)
      const rows = (await connection.runAndReadAll("select run_id, paper_id, node_id, rank, score, evidence from paper_topics")).getRowsJson()
      const expected = assignments.flatMap(({ paperIndex, topics }) => topics.map((topic, i) => ["run-1", paperIds[paperIndex], topic.nodeId, i + 1, topic.score, topic.evidence]))
      assert.deepStrictEqual(rows, expected)
    }))
})
