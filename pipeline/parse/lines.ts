/**
 * Line-oriented formats (jsonl, arxiv-jsonl) read as a stream of byte chunks:
 * lines are cut from the chunks as they come, decoded one at a time and handed to
 * the format's line parser, so memory holds one chunk and one line, never the file.
 */
import { Result } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { invalidUtf8Error } from "./detect.ts"
import { Collector } from "./records.ts"

/** Parses one non-blank line; the error names the file, the line and the field. */
export type LineParser = (line: string, file: string, lineNumber: number) => Result.Result<Paper, InputError>

/**
 * The longest line read. The longest record of arxiv-cs-dev.jsonl is 3.1 KB and
 * the snapshot's longest abstracts a few KB; 10 MB is a thousand times that and
 * still bounds what one bad line (a whole file without line breaks) can hold.
 */
export const MAX_LINE_BYTES = 10 * 1024 * 1024

const NEWLINE = 10

const tooLongError = (file: string, lineNumber: number, maxLineBytes: number): InputError =>
  new InputError({
    file,
    line: lineNumber,
    reason: `the line is longer than ${Math.round(maxLineBytes / 1024 / 1024)} MB; a record is a few KB`,
    hint: "Each line must hold one paper; the file may lack line breaks or be another format (pass --format), " +
      "or pass --skip-bad-lines."
  })

/** Feeds lines of text (already in memory) to a line parser: the parseText path. */
export const collectTextLines = (
  text: string,
  file: string,
  parseLine: LineParser,
  skipBadLines: boolean
): Result.Result<Collector, InputError> => {
  const collector = new Collector(skipBadLines)
  const lines = text.split("\n")
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim()
    if (line.length === 0) continue
    const stop = collector.add(parseLine(line, file, index + 1))
    if (stop !== undefined) return Result.fail(stop)
  }
  return Result.succeed(collector)
}

/**
 * Cuts byte chunks into lines. `push` each chunk, then `end`; each returns the
 * error that stops the file, or undefined. A line over the limit is dropped as
 * its bytes arrive (counted under --skip-bad-lines), so it never sits in memory.
 */
export class LineReader {
  readonly collector: Collector
  private readonly decoder = new TextDecoder("utf-8", { fatal: true })
  private pending: Array<Uint8Array> = []
  private pendingBytes = 0
  private lineNumber = 1
  private dropping = false
  private readonly file: string
  private readonly parseLine: LineParser
  private readonly maxLineBytes: number

  constructor(file: string, parseLine: LineParser, skipBadLines: boolean, maxLineBytes = MAX_LINE_BYTES) {
    this.file = file
    this.parseLine = parseLine
    this.maxLineBytes = maxLineBytes
    this.collector = new Collector(skipBadLines)
  }

  push(chunk: Uint8Array): InputError | undefined {
    let start = 0
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      const stop = this.take(chunk.subarray(start, newline), false) ?? this.finishLine()
      if (stop !== undefined) return stop
      start = newline + 1
    }
    // The unfinished last line outlives this chunk: copy it, as a view would pin the whole chunk.
    return this.take(chunk.subarray(start), true)
  }

  end(): InputError | undefined {
    return this.pendingBytes > 0 || this.dropping ? this.finishLine() : undefined
  }

  /** Adds bytes to the current line, or starts dropping it when it grows past the limit. */
  private take(bytes: Uint8Array, copy: boolean): InputError | undefined {
    if (this.dropping || bytes.length === 0) return undefined
    if (this.pendingBytes + bytes.length > this.maxLineBytes) {
      this.pending = []
      this.pendingBytes = 0
      this.dropping = true
      return this.collector.reject(tooLongError(this.file, this.lineNumber, this.maxLineBytes))
    }
    this.pending.push(copy ? bytes.slice() : bytes)
    this.pendingBytes += bytes.length
    return undefined
  }

  private finishLine(): InputError | undefined {
    const lineNumber = this.lineNumber++
    if (this.dropping) {
      this.dropping = false
      return undefined
    }
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    let line: string
    try {
      line = this.decoder.decode(bytes).trim()
    } catch {
      return this.collector.reject(invalidUtf8Error(this.file, lineNumber))
    }
    if (line.length === 0) return undefined
    return this.collector.add(this.parseLine(line, this.file, lineNumber))
  }
}
