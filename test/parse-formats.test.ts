import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, FileSystem } from "effect"
import { readFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import { detectFormat, parseFile, type ParseOptions, parseText, SUPPORTED_FORMATS } from "../pipeline/parse/index.ts"

const fixture = (name: string): string => new URL(`fixtures/${name}`, import.meta.url).pathname
const AUTO: ParseOptions = { format: "auto", skipBadLines: false }

/** Writes `files` into a fresh temp directory (removed with the test's scope) and returns their paths. */
const tempFiles = Effect.fnUntraced(function*(files: Record<string, string | Uint8Array>) {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "papersort-parse-" })
  const paths: Record<string, string> = {}
  for (const [name, content] of Object.entries(files)) {
    paths[name] = `${dir}/${name}`
    yield* typeof content === "string" ? fs.writeFileString(paths[name], content) : fs.writeFile(paths[name], content)
  }
  return paths
})

layer(NodeServices.layer)("parse: each format on the real samples", (it) => {
  it.effect("supports all six formats and tries them all when detecting", () =>
    Effect.sync(() => {
      assert.deepStrictEqual([...SUPPORTED_FORMATS].sort(), ["arxiv-atom", "arxiv-jsonl", "csv", "hf-json", "hf-page", "jsonl"])
    }))

  it.effect("reads all 30 papers of the Daily Papers API response with authors, dates, upvotes and keywords", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("hf-daily-papers-api.json"), AUTO)
      assert.strictEqual(parsed.format, "hf-json")
      assert.strictEqual(parsed.papers.length, 30)
      const first = parsed.papers[0]
      assert.strictEqual(first.paperId, "2606.00467")
      assert.strictEqual(first.arxivId, "2606.00467")
      assert.strictEqual(first.title, "On the Limits of LLM Adaptability: Impact of Model-Internalized Priors on Annotation Task Performance")
      assert.deepStrictEqual(first.authors, ["Etienne Casanova", "Rafal Kocielnik", "R. Michael Alvarez"])
      assert.strictEqual(first.published, "2026-05-30")
      assert.strictEqual(first.extra?.upvotes, 0)
      assert.include(first.extra?.ai_keywords as ReadonlyArray<string>, "decision stickiness")
      assert.isTrue(first.abstract.startsWith("Large Language Models (LLMs) are increasingly used"))
      assert.strictEqual(parsed.papers.at(-1)?.arxivId, "2606.13106")
      assert.isTrue(parsed.papers.every((paper) => paper.arxivId !== null && paper.abstract.length > 0))
      assert.strictEqual(new Set(parsed.papers.map((paper) => paper.paperId)).size, 30)
    }))

  it.effect("reads all 100 entries of arxiv-api-100.xml, one author or one category still a list", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("arxiv-api-100.xml"), AUTO)
      assert.strictEqual(parsed.format, "arxiv-atom")
      assert.strictEqual(parsed.papers.length, 100)
      const first = parsed.papers[0]
      assert.strictEqual(first.arxivId, "2512.13690")
      assert.strictEqual(first.title, "DiffusionBrowser: Interactive Diffusion Previews via Multi-Branch Decoders")
      assert.deepStrictEqual(first.categories, ["cs.CV", "cs.AI", "cs.GR", "cs.LG"])
      assert.strictEqual(first.published, "2025-12-15")
      const last = parsed.papers[99]
      assert.strictEqual(last.arxivId, "2512.13411")
      assert.deepStrictEqual(last.authors, ["Patryk Niżeniec", "Marcin Iwanowski"])
      // Counted independently with Python's ElementTree: 6 entries have one author, 48 one category.
      assert.strictEqual(parsed.papers.filter((paper) => paper.authors.length === 1).length, 6)
      assert.strictEqual(parsed.papers.filter((paper) => paper.categories.length === 1).length, 48)
      assert.strictEqual(new Set(parsed.papers.map((paper) => paper.paperId)).size, 100)
    }))

  it.effect("reads the 5 entries of arxiv-api-5.xml with escaped text decoded", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("arxiv-api-5.xml"), AUTO)
      assert.deepStrictEqual(parsed.papers.map((paper) => paper.arxivId), [
        "2606.13677", "2606.13591", "2606.13568", "2606.13515", "2606.13501"
      ])
      const mana = parsed.papers[0]
      assert.deepStrictEqual(mana.categories, ["cs.RO", "cs.AI", "cs.CV", "cs.LG"])
      assert.deepStrictEqual(mana.authors, ["Zhao-Heng Yin", "Guanya Shi", "Pieter Abbeel", "C. Karen Liu"])
      assert.include(mana.abstract, "(<1 minute per tool)")
    }))

  it.effect("unwraps the hard-wrapped titles and summaries of the older Atom serialization", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("arxiv-api-classic-2.xml"), AUTO)
      assert.strictEqual(parsed.papers.length, 2)
      const rdd = parsed.papers[0]
      assert.strictEqual(rdd.title, "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks")
      assert.isTrue(rdd.abstract.startsWith("To tackle long-horizon tasks, recent hierarchical vision-language-action (VLAs)"))
      assert.notInclude(rdd.abstract, "\n")
      assert.deepStrictEqual(rdd.categories, ["cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY"])
      assert.strictEqual(rdd.published, "2025-10-16")
      assert.strictEqual(parsed.papers[1].arxivId, "2510.14827")
    }))

  it.effect("puts the primary category first even when the feed lists it later", () =>
    Effect.gen(function*() {
      const xml = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<entry><id>http://arxiv.org/abs/2401.00001v3</id><title>One</title><summary>An abstract.</summary>
<author><name>Solo Author</name></author><category term="cs.LG"/><category term="cs.CL"/>
<arxiv:primary_category term="cs.CL"/><published>2024-01-01T00:00:00Z</published></entry></feed>`
      const parsed = yield* parseText(xml, "one.xml", AUTO)
      assert.strictEqual(parsed.papers[0].arxivId, "2401.00001")
      assert.deepStrictEqual(parsed.papers[0].categories, ["cs.CL", "cs.LG"])
      assert.deepStrictEqual(parsed.papers[0].authors, ["Solo Author"])
    }))

  it.effect("keeps reading all 91 papers of the copied Daily Papers page", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("hf-daily-papers-page.txt"), AUTO)
      assert.strictEqual(parsed.format, "hf-page")
      assert.strictEqual(parsed.papers.length, 91)
    }))

  it.effect("reads the arXiv snapshot lines with space-separated categories and the first version's date", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("arxiv-snapshot-20.jsonl"), AUTO)
      assert.strictEqual(parsed.format, "arxiv-jsonl")
      assert.strictEqual(parsed.papers.length, 20)
      const first = parsed.papers[0]
      assert.strictEqual(first.arxivId, "2506.12577")
      assert.strictEqual(first.title, "OneEval: Benchmarking LLM Knowledge-intensive Reasoning over Diverse Knowledge Bases")
      assert.isTrue(first.abstract.startsWith("Large Language Models (LLMs) have demonstrated substantial progress on reasoning tasks"))
      assert.strictEqual(first.published, "2025-06-17")
      assert.deepStrictEqual(parsed.papers[2].categories, ["cs.IT", "cs.LG", "eess.SP", "math.PR", "stat.ML"])
    }))

  it.effect("prefers authors_parsed over the LaTeX author string of a snapshot record", () =>
    Effect.gen(function*() {
      const line = JSON.stringify({
        id: "0704.0001",
        title: "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
        abstract: "  A fully differential calculation.\n",
        authors: "C. Bal\\'azs, E. L. Berger and C.-P. Yuan",
        authors_parsed: [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Yuan", "C. -P.", ""]],
        categories: "hep-ph",
        versions: [{ version: "v1", created: "Mon, 2 Apr 2007 19:18:42 GMT" }],
        update_date: "2008-11-13"
      })
      const withoutParsed = JSON.stringify({ id: "math/0406594v2", title: "Old style", authors: "A. One, B. Two and C. Three", update_date: "2009-01-02" })
      const parsed = yield* parseText(`${line}\n${withoutParsed}\n`, "snapshot.jsonl", AUTO)
      assert.strictEqual(parsed.format, "arxiv-jsonl")
      assert.deepStrictEqual(parsed.papers[0].authors, ["C. Balázs", "E. L. Berger", "C. -P. Yuan"])
      assert.strictEqual(parsed.papers[0].title, "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies")
      assert.strictEqual(parsed.papers[0].published, "2007-04-02")
      assert.strictEqual(parsed.papers[1].arxivId, "math/0406594")
      assert.deepStrictEqual(parsed.papers[1].authors, ["A. One", "B. Two", "C. Three"])
      assert.strictEqual(parsed.papers[1].published, "2009-01-02")
    }))

  it.effect("reads generic jsonl lines with their labels as categories", () =>
    Effect.gen(function*() {
      const lines = readFileSync("/work/shared/data/arxiv-cs-dev.jsonl", "utf8").split("\n").slice(0, 50).join("\n")
      const paths = yield* tempFiles({ "dev.jsonl": lines })
      const parsed = yield* parseFile(paths["dev.jsonl"], AUTO)
      assert.strictEqual(parsed.format, "jsonl")
      assert.strictEqual(parsed.papers.length, 50)
      assert.deepStrictEqual(parsed.papers[1].categories, ["cs.CL", "cs.HC"])
    }))

  it.effect("reads CSV with any-case headers, a summary column and quoted multi-line cells", () =>
    Effect.gen(function*() {
      const csv = [
        "ID,Title,Summary,Categories,Authors,Published,notes",
        `2406.12345v2,"Attention, Again","First line of the abstract,`,
        `second line with ""quotes"".",cs.LG cs.CL,Ada Lovelace; Alan Turing,2024-06-18,x`,
        "",
        "not-an-id,A Title Only,,,,,",
        ""
      ].join("\r\n")
      const paths = yield* tempFiles({ "papers.csv": csv })
      const parsed = yield* parseFile(paths["papers.csv"], AUTO)
      assert.strictEqual(parsed.format, "csv")
      assert.strictEqual(parsed.papers.length, 2)
      const [first, second] = parsed.papers
      assert.strictEqual(first.paperId, "2406.12345")
      assert.strictEqual(first.title, "Attention, Again")
      assert.strictEqual(first.abstract, "First line of the abstract, second line with \"quotes\".")
      assert.deepStrictEqual(first.categories, ["cs.LG", "cs.CL"])
      assert.deepStrictEqual(first.authors, ["Ada Lovelace", "Alan Turing"])
      assert.strictEqual(first.published, "2024-06-18")
      assert.isNull(second.arxivId)
      assert.isTrue(second.paperId.startsWith("t:"))
    }))

  it.effect("reads a set of two formats into one list of papers", () =>
    Effect.gen(function*() {
      const files = [fixture("hf-daily-papers-api.json"), fixture("arxiv-api-100.xml")]
      const parsed = yield* Effect.forEach(files, (file) => parseFile(file, AUTO))
      assert.deepStrictEqual(parsed.map((file) => file.format), ["hf-json", "arxiv-atom"])
      const papers = parsed.flatMap((file) => file.papers)
      assert.strictEqual(papers.length, 130)
      assert.deepStrictEqual([...new Set(papers.map((paper) => paper.sourceFormat))], ["hf-json", "arxiv-atom"])
      assert.strictEqual(papers[30].sourceFile, files[1])
    }))

  it.effect("reads .gz files of a document format and a line format like the plain files", () =>
    Effect.gen(function*() {
      const paths = yield* tempFiles({
        "feed.xml.gz": gzipSync(readFileSync(fixture("arxiv-api-100.xml"))),
        "snapshot.jsonl.gz": gzipSync(readFileSync(fixture("arxiv-snapshot-20.jsonl"))),
        // Detection goes by the bytes: a gzip file without the extension is still decompressed.
        "api-response.bin": gzipSync(readFileSync(fixture("hf-daily-papers-api.json")))
      })
      const feed = yield* parseFile(paths["feed.xml.gz"], AUTO)
      const plainFeed = yield* parseFile(fixture("arxiv-api-100.xml"), AUTO)
      assert.strictEqual(feed.format, "arxiv-atom")
      assert.deepStrictEqual(feed.papers.map((paper) => paper.paperId), plainFeed.papers.map((paper) => paper.paperId))
      const snapshot = yield* parseFile(paths["snapshot.jsonl.gz"], AUTO)
      assert.strictEqual(snapshot.format, "arxiv-jsonl")
      assert.strictEqual(snapshot.papers.length, 20)
      const api = yield* parseFile(paths["api-response.bin"], AUTO)
      assert.strictEqual(api.format, "hf-json")
      assert.strictEqual(api.papers.length, 30)
    }))

  it.effect("detects the format by content, not by the file name", () =>
    Effect.gen(function*() {
      const paths = yield* tempFiles({
        "misnamed.csv": readFileSync(fixture("arxiv-api-5.xml"), "utf8"),
        "papers.txt": "title,abstract\nA paper,Its abstract.\n",
        "snapshot.json": readFileSync(fixture("arxiv-snapshot-20.jsonl"), "utf8")
      })
      assert.strictEqual((yield* parseFile(paths["misnamed.csv"], AUTO)).format, "arxiv-atom")
      assert.strictEqual((yield* parseFile(paths["papers.txt"], AUTO)).format, "csv")
      assert.strictEqual((yield* parseFile(paths["snapshot.json"], AUTO)).format, "arxiv-jsonl")
    }))

  it.effect("tells each format from its first bytes", () =>
    Effect.sync(() => {
      assert.strictEqual(detectFormat(readFileSync(fixture("hf-daily-papers-api.json"), "utf8")), "hf-json")
      assert.strictEqual(detectFormat(readFileSync(fixture("arxiv-api-classic-2.xml"), "utf8")), "arxiv-atom")
      assert.strictEqual(detectFormat(readFileSync(fixture("hf-daily-papers-page.txt"), "utf8")), "hf-page")
      assert.strictEqual(detectFormat("{\"title\":\"A\",\"labels\":[\"cs.LG\"]}\n"), "jsonl")
      assert.strictEqual(detectFormat("{\"id\":\"1\",\"title\":\"A\",\"categories\":\"cs.LG\"}\n"), "arxiv-jsonl")
      assert.strictEqual(detectFormat("\uFEFFTitle;Abstract\nA;B\n"), "csv")
      assert.strictEqual(detectFormat("<rss version=\"2.0\"><channel/></rss>"), undefined)
      // Only a tie the content leaves open goes to the extension.
      assert.strictEqual(detectFormat("<rss version=\"2.0\"><channel/></rss>", "feed.xml"), "arxiv-atom")
      assert.strictEqual(detectFormat("name,year\nx,2024\n", "list.csv"), "csv")
    }))

  it.effect("lets --format override detection", () =>
    Effect.gen(function*() {
      const parsed = yield* parseFile(fixture("arxiv-snapshot-20.jsonl"), { format: "jsonl", skipBadLines: false })
      assert.strictEqual(parsed.format, "jsonl")
      assert.strictEqual(parsed.papers[2].sourceFormat, "jsonl")
      assert.deepStrictEqual(parsed.papers[2].categories, ["cs.IT", "cs.LG", "eess.SP", "math.PR", "stat.ML"])
    }))

  it.effect("gives the same papers from parseText as from parseFile", () =>
    Effect.gen(function*() {
      for (const name of ["hf-daily-papers-api.json", "arxiv-api-5.xml", "arxiv-snapshot-20.jsonl"]) {
        const fromFile = yield* parseFile(fixture(name), AUTO)
        const fromText = yield* parseText(readFileSync(fixture(name), "utf8"), fixture(name), AUTO)
        assert.deepStrictEqual(fromText, fromFile)
      }
    }))
})

describe("parse: record-level skipping", () => {
  layer(NodeServices.layer)((it) => {
    it.effect("skips and counts bad entries of every format under --skip-bad-lines", () =>
      Effect.gen(function*() {
        const options: ParseOptions = { format: "auto", skipBadLines: true }
        const api = JSON.stringify([
          { paper: { id: "2401.00001", title: "Good", summary: "s" } },
          { paper: { id: "2401.00002", title: 42 } },
          { paper: { id: "2401.00003", title: "  " } }
        ])
        const json = yield* parseText(api, "api.json", options)
        assert.strictEqual(json.papers.length, 1)
        assert.strictEqual(json.skippedLines, 2)
        assert.include(json.skippedReasons[0], "entry 2")
        const csv = yield* parseText("title,abstract\nGood,a\n,empty title\nx,y,z\n", "p.csv", options)
        assert.strictEqual(csv.papers.length, 1)
        assert.deepStrictEqual(csv.skippedReasons, [
          "line 3: the paper has an empty title",
          "line 4: the row has 3 cells, the header has 2"
        ])
      }))
  })
})
