import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import { parseArxivJsonlLine } from "../pipeline/parse/arxivJsonl.ts"
import { parseJsonlLine } from "../pipeline/parse/jsonl.ts"
import { collectTextLines, LineReader } from "../pipeline/parse/lines.ts"
import { readAll } from "../pipeline/parse/source.ts"

const fixture = (name: string): string => new URL(`fixtures/${name}`, import.meta.url).pathname
const projectRoot = new URL("..", import.meta.url).pathname

/** Feeds `bytes` to a LineReader in chunks of `size` bytes; returns the reader and the error that stopped it. */
const readInChunks = (bytes: Uint8Array, size: number, reader: LineReader) => {
  for (let start = 0; start < bytes.length; start += size) {
    const stop = reader.push(bytes.subarray(start, start + size))
    if (stop !== undefined) return stop
  }
  return reader.end()
}

describe("parse: streaming line formats", () => {
  it.effect("cuts lines the same whatever the chunk boundaries, even inside a UTF-8 character", () =>
    Effect.sync(() => {
      const text = readFileSync(fixture("arxiv-snapshot-20.jsonl"), "utf8") +
        "{\"id\":\"2401.00001\",\"title\":\"Café — naïve 🙂 title\"}\r\n\n{\"id\":\"2401.00002\",\"title\":\"No newline at the end\"}"
      const whole = collectTextLines(text, "s.jsonl", parseArxivJsonlLine, false)
      assert.isTrue(whole._tag === "Success")
      const expected = whole._tag === "Success" ? whole.success.papers : []
      assert.strictEqual(expected.length, 22)
      for (const size of [1, 3, 7, 4096]) {
        const reader = new LineReader("s.jsonl", parseArxivJsonlLine, false)
        assert.isUndefined(readInChunks(Buffer.from(text), size, reader))
        assert.deepStrictEqual(reader.collector.papers, expected)
      }
      assert.strictEqual(expected[20].title, "Café — naïve 🙂 title")
    }))

  it.effect("drops an over-long line as it arrives and keeps counting lines after it", () =>
    Effect.sync(() => {
      const text = `{"title":"one"}\n{"title":"${"x".repeat(500)}"}\n{"title":"three"}\n{"title":"`
      const strict = new LineReader("l.jsonl", parseJsonlLine, false, 100)
      const error = readInChunks(Buffer.from(text), 16, strict)
      assert.strictEqual(error?.line, 2)
      const lenient = new LineReader("l.jsonl", parseJsonlLine, true, 100)
      assert.isUndefined(readInChunks(Buffer.from(text), 16, lenient))
      assert.deepStrictEqual(lenient.collector.papers.map((paper) => paper.title), ["one", "three"])
      // Line 2 was too long; line 4 is cut off JSON.
      assert.strictEqual(lenient.collector.skippedLines, 2)
      assert.match(lenient.collector.skippedReasons[0], /^line 2: the line is longer than/)
      assert.match(lenient.collector.skippedReasons[1], /^line 4: not valid JSON/)
    }))

  it.effect("refuses to read a document format past its size limit", () =>
    Effect.gen(function*() {
      const chunks = Stream.fromArray([new Uint8Array(600), new Uint8Array(600)])
      const error = yield* Effect.flip(readAll(chunks, "big.json", 1000))
      assert.match(error.reason, /too large to read whole/)
      const fits = yield* readAll(chunks, "big.json", 2000)
      assert.strictEqual(fits.length, 1200)
    }))
})

/** Runs parseFile("-") in a child process with `input` on its stdin; returns the ParsedFile as JSON. */
const parseStdin = (input: Uint8Array) => {
  const script = `
    import { Effect } from "effect"
    import * as NodeServices from "@effect/platform-node/NodeServices"
    const { parseFile } = await import("./pipeline/parse/index.ts")
    const parsed = await Effect.runPromise(
      parseFile("-", { format: "auto", skipBadLines: false }).pipe(Effect.provide(NodeServices.layer))
    )
    console.log(JSON.stringify({ file: parsed.file, format: parsed.format, ids: parsed.papers.map((p) => p.arxivId) }))
  `
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: projectRoot, input, encoding: "utf8" })
  assert.strictEqual(child.status, 0, child.stderr)
  return JSON.parse(child.stdout) as { file: string; format: string; ids: Array<string> }
}

describe("parse: stdin", () => {
  it.effect("reads `-` from stdin, plain or gzipped", () =>
    Effect.sync(() => {
      const feed = readFileSync(fixture("arxiv-api-classic-2.xml"))
      const plain = parseStdin(feed)
      assert.deepStrictEqual(plain, { file: "<stdin>", format: "arxiv-atom", ids: ["2510.14968", "2510.14827"] })
      const snapshot = parseStdin(gzipSync(readFileSync(fixture("arxiv-snapshot-20.jsonl"))))
      assert.strictEqual(snapshot.format, "arxiv-jsonl")
      assert.strictEqual(snapshot.ids.length, 20)
    }))
})
