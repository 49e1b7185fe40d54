import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, layer } from "@effect/vitest"
import { Effect, FileSystem } from "effect"
import { readFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import { describeUserError, type InputError } from "../pipeline/domain.ts"
import { parseFile, type ParseOptions, parseText } from "../pipeline/parse/index.ts"

const fixture = (name: string): string => new URL(`fixtures/${name}`, import.meta.url).pathname
const AUTO: ParseOptions = { format: "auto", skipBadLines: false }
const SKIP: ParseOptions = { format: "auto", skipBadLines: true }

/** Writes one file into a fresh temp directory (removed with the test's scope) and returns its path. */
const tempFile = Effect.fnUntraced(function*(name: string, content: string | Uint8Array) {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "papersort-parse-" })
  const path = `${dir}/${name}`
  yield* typeof content === "string" ? fs.writeFileString(path, content) : fs.writeFile(path, content)
  return path
})

/** The InputError that parsing `content` (written as `name`) fails with. */
const failureOf = Effect.fnUntraced(function*(name: string, content: string | Uint8Array, options = AUTO) {
  const path = yield* tempFile(name, content)
  const error: InputError = yield* Effect.flip(parseFile(path, options))
  assert.strictEqual(error.file, path)
  return error
})

layer(NodeServices.layer)("parse: bad input is an InputError that names the place", (it) => {
  it.effect("says a missing file does not exist", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseFile("/nonexistent/papers.jsonl", AUTO))
      assert.strictEqual(error.reason, "no such file")
      assert.strictEqual(error.file, "/nonexistent/papers.jsonl")
    }))

  it.effect("says a directory is not a dump file", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseFile(new URL("fixtures", import.meta.url).pathname, AUTO))
      assert.match(error.reason, /directory/)
    }))

  it.effect("says an empty file is empty, also after gunzip", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf("empty.jsonl", "")).reason, "the file is empty")
      assert.strictEqual((yield* failureOf("empty.jsonl.gz", gzipSync(""))).reason, "the file is empty once decompressed")
    }))

  it.effect("says a file of white space holds only white space", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf("blank.txt", "  \n\t\r\n\n")).reason, "the file holds only white space")
      const error = yield* Effect.flip(parseText(" \n ", "blank.txt", AUTO))
      assert.strictEqual(error.reason, "the file holds only white space")
    }))

  it.effect("says binary data is not text", () =>
    Effect.gen(function*() {
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])
      assert.strictEqual((yield* failureOf("figure.csv", png)).reason, "the file is binary, not text")
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("title,abstract\n", "utf16le")])
      assert.strictEqual((yield* failureOf("excel.csv", utf16)).reason, "the file is UTF-16 text; papersort reads UTF-8")
    }))

  it.effect("names the line that is not UTF-8, in a streamed and in a whole-read format", () =>
    Effect.gen(function*() {
      const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0))
      const jsonl = latin1("{\"title\":\"One\"}\n{\"title\":\"Two\"}\n{\"title\":\"Caf\xe9\"}\n")
      const streamed = yield* failureOf("papers.jsonl", jsonl)
      assert.strictEqual(streamed.reason, "the file is not valid UTF-8")
      assert.strictEqual(streamed.line, 3)
      const csv = yield* failureOf("papers.csv", latin1("title,abstract\nCaf\xe9 paper,An abstract\n"))
      assert.strictEqual(csv.line, 2)
      assert.match(csv.hint, /iconv/)
    }))

  it.effect("recognises an HTML page saved instead of the copied text", () =>
    Effect.gen(function*() {
      const html = "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Daily Papers - Hugging Face</title></head><body>…</body></html>"
      const error = yield* failureOf("page.txt", html)
      assert.match(error.reason, /HTML page/)
      assert.match(error.hint, /copy/)
    }))

  it.effect("says where a truncated API response ends", () =>
    Effect.gen(function*() {
      const text = readFileSync(fixture("hf-daily-papers-api.json"), "utf8").slice(0, 50_000)
      const error = yield* failureOf("api.json", text)
      assert.match(error.reason, /truncated/)
      assert.strictEqual(error.line, 1)
      const pretty = yield* failureOf("api.json", "[\n  {\"paper\": {\"id\": \"1\",\n  \"title\" \"x\"}}\n]\n")
      assert.strictEqual(pretty.line, 3)
      assert.match(pretty.reason, /not valid JSON/)
    }))

  it.effect("names the entry and field of an API entry of the wrong shape", () =>
    Effect.gen(function*() {
      const error = yield* failureOf("api.json", JSON.stringify([{ paper: { id: "2401.00001", title: "A" } }, { paper: { id: 7 } }]))
      assert.strictEqual(error.field, "paper.id")
      assert.match(error.reason, /^entry 2 is not a Daily Papers entry: Expected string/)
      const notArray = yield* failureOf("api.json", "{\"papers\": []}", { format: "hf-json", skipBadLines: false })
      assert.match(notArray.reason, /expected an array/)
    }))

  it.effect("calls an XML feed that stops mid-entry truncated, at its last line", () =>
    Effect.gen(function*() {
      const text = readFileSync(fixture("arxiv-api-100.xml"), "utf8").slice(0, 6_000)
      const error = yield* failureOf("feed.xml", text)
      assert.match(error.reason, /truncated/)
      assert.strictEqual(error.line, text.split("\n").length)
    }))

  it.effect("names the line and column of malformed XML", () =>
    Effect.gen(function*() {
      const xml = "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry><id>x</id>\n<title>A</summary>\n</entry></feed>\n"
      const error = yield* failureOf("feed.xml", xml)
      assert.strictEqual(error.line, 4)
      assert.match(error.reason, /^malformed XML at column \d+: Expected closing tag 'title'/)
      assert.match(describeUserError(error).message, /feed\.xml, line 4: malformed XML/)
    }))

  it.effect("passes on the arXiv API's own error entry", () =>
    Effect.gen(function*() {
      const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>
<title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>`
      const error = yield* failureOf("feed.xml", xml)
      assert.strictEqual(error.reason, "the arXiv API answered with an error: incorrect id format for 1234")
    }))

  it.effect("says a damaged .gz cannot be decompressed", () =>
    Effect.gen(function*() {
      const gz = gzipSync(readFileSync(fixture("arxiv-snapshot-20.jsonl")))
      const error = yield* failureOf("snapshot.jsonl.gz", gz.subarray(0, Math.floor(gz.length / 2)))
      assert.match(error.reason, /starts like gzip but cannot be decompressed/)
    }))

  it.effect("lists the formats it tried when it cannot tell the format", () =>
    Effect.gen(function*() {
      const log = "2024-06-01 12:00:00 INFO started\n2024-06-01 12:00:01 INFO done\n"
      const error = yield* failureOf("run.log", log)
      assert.strictEqual(
        error.reason,
        "cannot tell the format of this file (tried hf-json, arxiv-atom, arxiv-jsonl, jsonl, csv, hf-page)"
      )
      assert.match(error.hint, /--format/)
      const rss = yield* failureOf("feed", "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel></channel></rss>")
      assert.match(rss.reason, /cannot tell the format/)
    }))

  it.effect("names the header and the columns found when a CSV has no title column", () =>
    Effect.gen(function*() {
      const error = yield* failureOf("papers.csv", "Name,Abstract,Year\nA paper,Its abstract,2024\n")
      assert.strictEqual(error.line, 1)
      assert.strictEqual(error.reason, "the header row has no \"title\" column (found: \"name\", \"abstract\", \"year\")")
    }))

  it.effect("names the line of a CSV row with an empty title, after a multi-line cell", () =>
    Effect.gen(function*() {
      const error = yield* failureOf("papers.csv", "title,abstract\nA,\"two\nlines\"\n\"  \",empty\n")
      assert.strictEqual(error.line, 4)
      assert.strictEqual(error.field, "title")
      const open = yield* failureOf("papers.csv", "title,abstract\nA,\"never closed\n")
      assert.match(open.reason, /^not valid CSV \(Quote Not Closed/)
      assert.strictEqual(open.line, 2)
    }))

  it.effect("names the line and field of a bad jsonl record, and counts it under --skip-bad-lines", () =>
    Effect.gen(function*() {
      const text = "{\"title\":\"Good\",\"abstract\":\"a\"}\n{\"title\":\"cut\n{\"title\":7}\n"
      const badJson = yield* failureOf("papers.jsonl", text)
      assert.strictEqual(badJson.line, 2)
      assert.match(badJson.reason, /not valid JSON/)
      const path = yield* tempFile("papers.jsonl", text)
      const skipped = yield* parseFile(path, SKIP)
      assert.strictEqual(skipped.papers.length, 1)
      assert.strictEqual(skipped.skippedLines, 2)
      assert.match(skipped.skippedReasons[1], /^line 3: not a paper record/)
    }))

  it.effect("stops at a 50 MB single line with an error naming it, or skips it under --skip-bad-lines", () =>
    Effect.gen(function*() {
      const huge = Buffer.alloc(50 * 1024 * 1024, "a")
      const line = Buffer.concat([Buffer.from("{\"title\":\"ok\",\"abstract\":\""), huge, Buffer.from("\"}\n")])
      const path = yield* tempFile("huge.jsonl", Buffer.concat([Buffer.from("{\"title\":\"first\"}\n"), line, Buffer.from("{\"title\":\"last\"}\n")]))
      const error = yield* Effect.flip(parseFile(path, AUTO))
      assert.strictEqual(error.line, 2)
      assert.match(error.reason, /^the line is longer than 10 MB/)
      const skipped = yield* parseFile(path, SKIP)
      assert.deepStrictEqual(skipped.papers.map((paper) => paper.title), ["first", "last"])
      assert.strictEqual(skipped.skippedLines, 1)
    }))

  it.effect("says no papers were found when a file holds none, and why when all were skipped", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf("api.json", "[]")).reason, "no papers found (read as hf-json)")
      const allBad = yield* failureOf("papers.jsonl", "{\"x\":1}\n{\"y\":2}\n", SKIP)
      assert.strictEqual(allBad.reason, "no papers found (read as jsonl; 2 bad records skipped)")
      assert.match(allBad.hint, /line 1: not a paper record/)
    }))
})
