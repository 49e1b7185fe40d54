/**
 * The parse stage: reads each dump file, checks that it is text at all, detects its
 * format by content, and hands it to that format's adapter. The only stage that
 * reads input files.
 *
 * Two paths: line formats (jsonl, arxiv-jsonl) are streamed line by line, so a
 * multi-gigabyte snapshot needs memory for its papers only; document formats
 * (hf-page, hf-json, arxiv-atom, csv) are read whole, as their parsers need.
 */
import { Effect, Result, Stream } from "effect"
import { InputError, type InputFormat, type Paper } from "../domain.ts"
import { parseArxivAtom } from "./arxivAtom.ts"
import { parseArxivJsonlLine } from "./arxivJsonl.ts"
import { parseCsv } from "./csv.ts"
import { checkHead, decodeUtf8, DETECTION_ORDER, detectFormat, HEAD_BYTES, isGzip, undetectedError } from "./detect.ts"
import { parseHfJson } from "./hfJson.ts"
import { parseHfPage } from "./hfPage.ts"
import { parseJsonlLine } from "./jsonl.ts"
import { collectTextLines, type LineParser, LineReader } from "./lines.ts"
import type { Records } from "./records.ts"
import { displayName, gunzip, openBytes, peek, readAll } from "./source.ts"

export { detectFormat } from "./detect.ts"

export interface ParseOptions {
  readonly format: InputFormat | "auto"
  /** Count and skip bad records (lines, rows, entries) instead of stopping at the first. */
  readonly skipBadLines: boolean
  /**
   * Hears of each paper as soon as it is parsed, in the order of the file's papers: a line
   * format's as its lines are read (the run's keyphrase thread starts on them meanwhile).
   */
  readonly onPaper?: (paper: Paper) => void
}

export interface ParsedFile {
  readonly file: string
  readonly format: InputFormat
  readonly papers: ReadonlyArray<Paper>
  /** Records skipped under --skip-bad-lines, with the first few reasons. */
  readonly skippedLines: number
  readonly skippedReasons: ReadonlyArray<string>
}

/** Formats this build reads; detection tries them in this order. */
export const SUPPORTED_FORMATS: ReadonlyArray<InputFormat> = DETECTION_ORDER

type LineFormat = "jsonl" | "arxiv-jsonl"
type DocumentFormat = Exclude<InputFormat, LineFormat>

const LINE_PARSERS: Record<LineFormat, LineParser> = {
  jsonl: parseJsonlLine,
  "arxiv-jsonl": parseArxivJsonlLine
}

const isLineFormat = (format: InputFormat): format is LineFormat => format in LINE_PARSERS

const DOCUMENT_PARSERS: Record<
  DocumentFormat,
  (text: string, file: string, skipBadRecords: boolean) => Effect.Effect<Records, InputError>
> = {
  "hf-page": (text, file) =>
    Effect.map(parseHfPage(text, file), (papers): Records => ({ papers, skippedLines: 0, skippedReasons: [] })),
  "hf-json": parseHfJson,
  "arxiv-atom": parseArxivAtom,
  csv: parseCsv
}

/** A file that yields no paper is an error: the user passed the wrong file, or every record was bad. */
const withPapers = (file: string, format: InputFormat, records: Records): Result.Result<ParsedFile, InputError> => {
  if (records.papers.length === 0) {
    const skipped = records.skippedLines > 0 ? `; ${records.skippedLines} bad records skipped` : ""
    return Result.fail(
      new InputError({
        file,
        reason: `no papers found (read as ${format}${skipped})`,
        hint: records.skippedLines > 0
          ? `The first problems: ${records.skippedReasons.join("; ")}.`
          : "Check that the file is a paper dump, or pass --format to read it as another format."
      })
    )
  }
  return Result.succeed({
    file,
    format,
    papers: records.papers,
    skippedLines: records.skippedLines,
    skippedReasons: records.skippedReasons
  })
}

/** Parse one dump whose text is already in memory. Pure: no file system. */
export const parseText = Effect.fnUntraced(function*(
  text: string,
  file: string,
  options: ParseOptions
): Effect.fn.Return<ParsedFile, InputError> {
  const head = new TextEncoder().encode(text.slice(0, HEAD_BYTES))
  const problem = checkHead(head, file, text.length <= HEAD_BYTES, false)
  if (problem !== undefined) return yield* problem
  const format = options.format === "auto" ? detectFormat(text, file) : options.format
  if (format === undefined) return yield* undetectedError(file)
  const records = isLineFormat(format)
    ? yield* Effect.fromResult(collectTextLines(text, file, LINE_PARSERS[format], options.skipBadLines))
    : yield* DOCUMENT_PARSERS[format](text, file, options.skipBadLines)
  return yield* Effect.fromResult(withPapers(file, format, records))
})

/** Streams a line format through a LineReader: one chunk and one line in memory at a time. */
const readLines = Effect.fnUntraced(function*(
  bytes: Stream.Stream<Uint8Array, InputError>,
  file: string,
  parseLine: LineParser,
  options: ParseOptions
): Effect.fn.Return<Records, InputError> {
  const reader = new LineReader(file, parseLine, options.skipBadLines)
  const { papers } = reader.collector
  let told = 0
  const tell = () => {
    if (options.onPaper !== undefined) for (; told < papers.length; told++) options.onPaper(papers[told])
  }
  yield* Stream.runForEachArray(bytes, (chunks) => {
    for (const chunk of chunks) {
      const stop = reader.push(chunk)
      if (stop !== undefined) return Effect.fail(stop)
    }
    tell()
    return Effect.void
  })
  const stop = reader.end()
  if (stop !== undefined) return yield* stop
  tell()
  return reader.collector
})

/**
 * Read and parse one dump file; `-` reads stdin. A gzip file is recognised by its
 * bytes and decompressed as it is read; the format is detected from the first
 * 64 KB of the (decompressed) text, the file name only breaking ties.
 */
export const parseFile = Effect.fn("parse.parseFile")(function*(file: string, options: ParseOptions) {
  const name = displayName(file)
  const raw = yield* openBytes(file)
  return yield* Effect.scoped(Effect.gen(function*() {
    const start = yield* peek(raw, 2)
    const gzipped = isGzip(start.head)
    const decoded = yield* peek(gzipped ? gunzip(start.bytes, name) : start.bytes, HEAD_BYTES)
    const problem = checkHead(decoded.head, name, decoded.complete, gzipped)
    if (problem !== undefined) return yield* problem
    const headText = new TextDecoder("utf-8").decode(decoded.head.subarray(0, HEAD_BYTES))
    const format = options.format === "auto" ? detectFormat(headText, file, decoded.complete) : options.format
    if (format === undefined) return yield* undetectedError(name)
    if (isLineFormat(format)) {
      const records = yield* readLines(decoded.bytes, name, LINE_PARSERS[format], options)
      return yield* Effect.fromResult(withPapers(name, format, records))
    }
    const text = yield* Effect.fromResult(decodeUtf8(yield* readAll(decoded.bytes, name), name))
    const records = yield* DOCUMENT_PARSERS[format](text, name, options.skipBadLines)
    if (options.onPaper !== undefined) for (const paper of records.papers) options.onPaper(paper)
    return yield* Effect.fromResult(withPapers(name, format, records))
  }))
})
