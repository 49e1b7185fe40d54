import { copyFileSync, readFileSync, writeFileSync } from "node:fs"
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { join } from "node:path"
import { parse } from "csv-parse/sync"
import { describe, expect, it } from "vitest"
import { parse as parseYaml, stringify as stringifyYaml } from "yaml"
import { bytesOf } from "../pipeline/storeColumns.ts"
import { loadStoredRun } from "../pipeline/storeVectors.ts"
import { readDb, runCli, tempDir } from "./cli-helpers.ts"

interface YamlNode { id: string; label: string; description?: string; keywords?: Array<string>; examples?: Array<string>; children?: Array<YamlNode> }
interface YamlTaxonomy { version: number; name: string; description?: string; nodes: Array<YamlNode> }

const readCsv = (file: string): Array<Record<string, string>> => parse(readFileSync(file, "utf8"), { columns: true, bom: true })
const baseTaxonomy = (): YamlTaxonomy => parseYaml(readFileSync("taxonomy/ml-research.yaml", "utf8")) as YamlTaxonomy
const findNode = (nodes: Array<YamlNode>, id: string): { node: YamlNode; siblings: Array<YamlNode> } | undefined => {
  for (const node of nodes) {
    if (node.id === id) return { node, siblings: nodes }
    const inner = node.children ? findNode(node.children, id) : undefined
    if (inner) return inner
  }
  return undefined
}

describe("the taxonomy lifecycle", () => {
  const dir = tempDir()
  const db = join(dir, "db.duckdb")
  const out = join(dir, "reports")
  const first = runCli(["run", "--db", db, "--out", out, "--quiet"])
  const runId = /run id\s+(\S+)/.exec(first.stdout)?.[1] ?? ""
  const primaryOf = () => new Map(readCsv(join(out, runId, "papers.csv")).map((row) => [row.paper_id, row.topic]))
  const remap = (taxonomy: YamlTaxonomy, name: string) => {
    const file = join(dir, `${name}.yaml`)
    writeFileSync(file, stringifyYaml(taxonomy))
    const result = runCli(["remap", "--run", runId, "--taxonomy", file, "--db", db, "--out", out, "--quiet"])
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    const remapId = /run id\s+(\S+)/.exec(result.stdout)![1]
    return { remapId, papers: readCsv(join(out, remapId, "papers.csv")), changes: readCsv(join(out, remapId, "changes.csv")) }
  }

  /** A copy of the database, changed by `change` into an earlier layout, then remapped from the run. */
  const remapOldCopy = async (name: string, change: (connection: DuckDBConnection) => Promise<void>) => {
    const file = join(dir, `${name}.duckdb`)
    copyFileSync(db, file)
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    await change(connection)
    connection.closeSync()
    instance.closeSync()
    const reports = join(dir, `${name}-reports`)
    const result = runCli(["remap", "--run", runId, "--db", file, "--out", reports, "--quiet"])
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    return { file, reports, remapId: /run id\s+(\S+)/.exec(result.stdout)![1] }
  }

  it("checks a taxonomy and prints its tree", () => {
    expect(first.status).toBe(0)
    const check = runCli(["taxonomy", "check", "taxonomy/ml-research.yaml"])
    expect(check.status).toBe(0)
    expect(check.stdout).toMatch(/14 top-level, 64 leaves/)
    expect(check.stdout).toMatch(/^language-models {2}Language Models {2}\(\d+ keywords, 7 children\)$/m)
    expect(check.stdout).toMatch(/^ {2}llm-reasoning {2}.*\(\d+ keywords, leaf/m)
  })

  it("reports every error of a broken taxonomy as file:line:col, all at once", () => {
    const file = join(dir, "broken.yaml")
    writeFileSync(file, ["version: 1", "name: broken", "nodes:", "  - id: a", "    label: A", "    keyword: [x]", "  - id: a", "    label: 7", "  - id: unassigned", "    label: U", "  - id: b", ""].join("\n"))
    const check = runCli(["taxonomy", "check", file])
    expect(check.status).toBe(1)
    expect(check.stderr).toContain(`${file}:6:5: unknown key "keyword" (did you mean "keywords"?)`)
    expect(check.stderr).toContain(`${file}:7:9: duplicate id "a" (first defined on line 4)`)
    expect(check.stderr).toContain(`${file}:9:9: id "unassigned" is reserved`)
    expect(check.stderr).toMatch(new RegExp(`${file}:11:5: node "b" needs a non-empty \`label\``))
  })

  it("changes nothing when the taxonomy is unchanged", () => {
    const { changes, papers } = remap(baseTaxonomy(), "same")
    expect(changes).toHaveLength(0)
    const before = primaryOf()
    for (const row of papers) expect(row.topic).toBe(before.get(row.paper_id))
  })

  it("follows a renamed node: its papers move to the new id and show in changes.csv", () => {
    const before = primaryOf()
    const moved = [...before].filter(([, topic]) => topic === "instruction-tuning-finetuning").map(([id]) => id)
    expect(moved.length).toBeGreaterThan(0)
    const taxonomy = baseTaxonomy()
    findNode(taxonomy.nodes, "instruction-tuning-finetuning")!.node.id = "llm-finetuning"
    const { changes } = remap(taxonomy, "renamed")
    const changed = new Map(changes.map((row) => [row.paper_id, row]))
    for (const id of moved) {
      expect(changed.get(id)?.old_topic).toBe("instruction-tuning-finetuning")
      expect(changed.get(id)?.new_topic).toBe("llm-finetuning")
    }
  })

  it("keeps the papers of a moved subtree on their leaves, under the new paths", () => {
    const taxonomy = baseTaxonomy()
    const { node, siblings } = findNode(taxonomy.nodes, "speech-audio")!
    siblings.splice(siblings.indexOf(node), 1)
    findNode(taxonomy.nodes, "multimodal")!.node.children!.push(node)
    const { changes, papers } = remap(taxonomy, "moved")
    expect(changes).toHaveLength(0)
    const speech = papers.filter((row) => row.topic_path.includes("speech-audio/"))
    expect(speech.length).toBeGreaterThan(0)
    for (const row of speech) expect(row.topic_path).toBe(`multimodal/speech-audio/${row.topic}`)
  })

  it("moves the papers that clearly fit a new leaf to it", () => {
    const taxonomy = baseTaxonomy()
    findNode(taxonomy.nodes, "data")!.node.children!.push({
      id: "data-selection",
      label: "Data Selection",
      description: "Choosing which training examples to keep, by quality, diversity or influence on the model.",
      keywords: ["data selection", "data pruning", "subset selection", "quality filtering", "data filtering", "coreset", "selecting data", "importance resampling"]
    })
    const { changes, papers } = remap(taxonomy, "added")
    const toNew = changes.filter((row) => row.new_topic === "data-selection")
    expect(toNew.length).toBeGreaterThanOrEqual(3)
    expect(toNew.some((row) => /Data Selection/i.test(row.title))).toBe(true)
    expect(papers.filter((row) => row.topic === "data-selection")).toHaveLength(toNew.length)
  })

  it("sends the papers of a removed node elsewhere or to unassigned", () => {
    const before = primaryOf()
    const orphaned = [...before].filter(([, topic]) => topic === "synthetic-data").map(([id]) => id)
    expect(orphaned.length).toBeGreaterThan(0)
    const taxonomy = baseTaxonomy()
    const { node, siblings } = findNode(taxonomy.nodes, "synthetic-data")!
    siblings.splice(siblings.indexOf(node), 1)
    const { changes, papers } = remap(taxonomy, "removed")
    expect(papers.some((row) => row.topic === "synthetic-data")).toBe(false)
    const changed = new Set(changes.map((row) => row.paper_id))
    for (const id of orphaned) expect(changed.has(id)).toBe(true)
  })

  it("records each remap as a run of kind remap whose parent is the source run", async () => {
    const runs = await readDb(db, "select kind, parent_run_id from runs order by finished_at")
    expect(runs[0]).toEqual({ kind: "run", parent_run_id: null })
    expect(runs.slice(1).every((run) => run.kind === "remap" && run.parent_run_id === runId)).toBe(true)
  })

  it("shows a remap its source run's keyphrases without copying them, also in a database from before they were shared", async () => {
    const { remapId, papers } = remap(baseTaxonomy(), "keyphrases")
    const count = async (file: string, sql: string) => Number((await readDb(file, sql))[0].n)
    const sourceCount = await count(db, `select count(*) as n from keyphrases where run_id = '${runId}'`)
    expect(sourceCount).toBeGreaterThan(0)
    expect(await count(db, `select count(*) as n from keyphrases where run_id = '${remapId}'`)).toBe(sourceCount)
    expect(await count(db, `select count(*) as n from paper_keyphrases where run_id = '${remapId}'`)).toBe(0)
    const runKeyphrases = new Map(readCsv(join(out, runId, "papers.csv")).map((row) => [row.paper_id, row.keyphrases]))
    for (const row of papers) expect(row.keyphrases).toBe(runKeyphrases.get(row.paper_id))

    // A database as papersort wrote it before: keyphrases a table with a row per keyphrase, no leaf models.
    const { file: old, reports: oldReports, remapId: oldRemapId } = await remapOldCopy("old", async (connection) => {
      for (
        const statement of [
          "create table keyphrase_rows as select * from keyphrases order by run_id, paper_id, rank desc",
          "drop view keyphrases",
          "drop table paper_keyphrases",
          "alter table keyphrase_rows rename to keyphrases",
          "drop table leaf_models"
        ]
      ) await connection.run(statement)
    })
    expect(await readDb(old, "select table_name, table_type from information_schema.tables where table_name like '%keyphrases' order by table_name"))
      .toEqual([{ table_name: "keyphrases", table_type: "VIEW" }, { table_name: "paper_keyphrases", table_type: "BASE TABLE" }])
    expect(await count(old, `select count(*) as n from keyphrases where run_id = '${oldRemapId}'`)).toBe(sourceCount)
    // Each paper's keyphrases now one row, in rank order (the old rows were stored in reverse): the same papers.csv.
    const withKeyphrases = [...runKeyphrases.values()].filter((phrases) => phrases !== "").length
    expect(withKeyphrases).toBeGreaterThan(0)
    expect(await count(old, `select count(*) as n from paper_keyphrases where run_id = '${runId}'`)).toBe(withKeyphrases)
    for (const row of readCsv(join(oldReports, oldRemapId, "papers.csv"))) expect(row.keyphrases).toBe(runKeyphrases.get(row.paper_id))
    expect(await count(old, `select count(*) as n from leaf_models where run_id = '${oldRemapId}'`)).toBe(64)
  })

  it("points a remap's kept leaves at the word models its source stored, and moves words kept in leaf_models to a table of their run", async () => {
    const { remapId, papers } = remap(baseTaxonomy(), "unchanged-models")
    const count = async (file: string, sql: string) => Number((await readDb(file, sql))[0].n)
    // Every leaf kept: no words written again, every row pointing at the run's.
    expect(await count(db, `select count(*) as n from leaf_models where run_id = '${remapId}' and words_run_id = '${runId}'`)).toBe(64)
    expect(await count(db, `select count(*) as n from information_schema.tables where table_schema = 'leaf_words' and table_name = '${remapId}'`)).toBe(0)
    // A new leaf: its words only, in the remap's own table.
    const added = (await readDb(db, `select r.run_id from runs r join leaf_models l on l.run_id = r.run_id where r.kind = 'remap' group by r.run_id having count(*) = 65`))[0]?.run_id
    expect(await count(db, `select count(*) as n from leaf_models where run_id = '${added}' and words_run_id = '${added}'`)).toBe(1)
    expect(await count(db, `select count(*) as n from leaf_words."${added}"`)).toBe(1)

    // A database as papersort wrote it before: every leaf's words in its leaf_models row.
    const { file: old, reports, remapId: oldRemapId } = await remapOldCopy("old-models", async (connection) => {
      const tables = (await connection.runAndReadAll("select table_name from information_schema.tables where table_schema = 'leaf_words'")).getColumns()[0].map(String)
      for (const table of tables) {
        await connection.run(`update leaf_models set log_words = w.log_words from leaf_words."${table}" w where leaf_models.words_run_id = '${table}' and w.position = leaf_models.words_position`)
      }
      for (const statement of ["alter table leaf_models drop column words_run_id", "alter table leaf_models drop column words_position", "drop schema leaf_words cascade"]) await connection.run(statement)
    })
    expect(readCsv(join(reports, oldRemapId, "papers.csv"))).toEqual(papers)
    expect(await count(old, "select count(*) - count(words_run_id) + coalesce(sum(octet_length(log_words)), 0) as n from leaf_models")).toBe(0)
    expect(await count(old, `select count(*) as n from leaf_models where run_id = '${oldRemapId}' and words_run_id = '${runId}'`)).toBe(64)
  })

  it("reads a run's vectors from a database that kept them a row per paper", async () => {
    const { papers } = remap(baseTaxonomy(), "vectors-now")
    const { reports, remapId: oldRemapId } = await remapOldCopy("old-vectors", async (connection) => {
      const stored = await loadStoredRun(connection, runId)
      const { matrix } = stored.vectorized
      expect(matrix.rows).toBe(91)
      // In shared memory, as a run builds it: the map's worker reads it without a copy of its own.
      for (const array of [matrix.offsets, matrix.indices, matrix.values]) expect(array.buffer).toBeInstanceOf(SharedArrayBuffer)
      // The earlier layout: each paper's column ids and weights as two blobs of its own row.
      await connection.run("create table paper_vector_blobs (run_id varchar not null, position integer not null, paper_id varchar not null, columns blob not null, weights blob not null)")
      const appender = await connection.createAppender("paper_vector_blobs")
      stored.paperIds.forEach((paperId, row) => {
        const [start, end] = [matrix.offsets[row], matrix.offsets[row + 1]]
        appender.appendVarchar(runId)
        appender.appendInteger(row)
        appender.appendVarchar(paperId)
        appender.appendBlob(bytesOf(matrix.indices.subarray(start, end)))
        appender.appendBlob(bytesOf(matrix.values.subarray(start, end)))
        appender.endRow()
      })
      appender.closeSync()
      await connection.run("drop schema run_vectors cascade")
    })
    expect(readCsv(join(reports, oldRemapId, "papers.csv"))).toEqual(papers)
  })

  it("reads a run's vectors stored a few papers to a row, over several reads", async () => {
    const { papers } = remap(baseTaxonomy(), "vectors-whole")
    const { reports, remapId: splitRemapId } = await remapOldCopy("split-vectors", async (connection) => {
      const before = await loadStoredRun(connection, runId)
      const { matrix } = before.vectorized
      // Five papers to a row: 19 rows, which a load reads eight at a time.
      await connection.run(`delete from run_vectors."${runId}"`)
      const appender = await connection.createAppender(runId, "run_vectors")
      for (let first = 0; first < matrix.rows; first += 5) {
        const end = Math.min(matrix.rows, first + 5)
        const [from, to] = [matrix.offsets[first], matrix.offsets[end]]
        appender.appendInteger(first)
        appender.appendVarchar(JSON.stringify(before.paperIds.slice(first, end)))
        appender.appendBlob(bytesOf(before.clusterOfPaper.slice(first, end)))
        appender.appendBlob(bytesOf(Int32Array.from({ length: end - first }, (_, i) => matrix.offsets[first + i + 1] - matrix.offsets[first + i])))
        appender.appendBlob(bytesOf(matrix.indices.slice(from, to)))
        appender.appendBlob(bytesOf(matrix.values.slice(from, to)))
        appender.endRow()
      }
      appender.closeSync()
      const after = await loadStoredRun(connection, runId)
      expect(after.paperIds).toEqual(before.paperIds)
      expect(Array.from(after.clusterOfPaper)).toEqual(Array.from(before.clusterOfPaper))
      for (const part of ["offsets", "indices", "values"] as const) expect(Array.from(after.vectorized.matrix[part])).toEqual(Array.from(matrix[part]))
    })
    expect(readCsv(join(reports, splitRemapId, "papers.csv"))).toEqual(papers)
  })

  it("rebuilds a run's reports from the database alone, byte for byte", () => {
    const again = join(dir, "rebuilt")
    const result = runCli(["report", "--run", runId, "--db", db, "--out", again])
    expect(result.status).toBe(0)
    for (const file of ["topics.csv", "papers.csv", "clusters.csv", "suggestions.csv", "index.html"]) {
      expect(readFileSync(join(again, runId, file), "utf8")).toBe(readFileSync(join(out, runId, file), "utf8"))
    }
  })

  it("scores a run against a hand-made gold file with known answers", () => {
    const papers = readCsv(join(out, runId, "papers.csv")).slice(0, 4)
    const gold = [
      { id: papers[0].paper_id, labels: [papers[0].topic] }, // right
      { title: papers[1].title.toUpperCase(), primary: papers[1].topic }, // right, matched by title
      { id: papers[2].paper_id, labels: ["no-such-node", papers[2].topic] }, // wrong, lenient right
      { id: papers[3].paper_id, primary: "no-such-node" }, // wrong
      { id: "9999.99999", labels: ["x"] } // unmatched
    ]
    const file = join(dir, "gold.jsonl")
    writeFileSync(file, gold.map((line) => JSON.stringify(line)).join("\n"))
    const result = runCli(["eval", "--labels", file, "--run", runId, "--db", db])
    expect(result.status).toBe(0)
    const scores = JSON.parse(result.stdout)
    expect(scores.matched).toBe(4)
    expect(scores.unmatched).toBe(1)
    expect(scores.accuracy).toBe(0.5)
    expect(scores.lenient_accuracy).toBe(0.75)
    expect(scores.per_node["no-such-node"]).toEqual({ precision: 0, recall: 0, f1: 0, support: 2, predicted: 0 })
    expect(scores.confusions[0].gold).toBe("no-such-node")
  })
})
