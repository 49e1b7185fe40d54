/**
 * What kind of file this is, from its first bytes: not text at all, a saved HTML
 * page, or one of the dump formats. Works on a head of the file, so that a
 * multi-gigabyte dump is recognised without reading it.
 */
import { Predicate, Result } from "effect"
import { FORMATS, InputError, type InputFormat } from "../domain.ts"
import { CSV_COLUMNS, csvHeaderOf } from "./csv.ts"
import { isPageFurniture, looksLikeAbstract } from "./hfPage.ts"

/** Formats detection tries, in order: the ones with an unmistakable first character first. */
export const DETECTION_ORDER: ReadonlyArray<InputFormat> = ["hf-json", "arxiv-atom", "arxiv-jsonl", "jsonl", "csv", "hf-page"]

/** Bytes of the head that detection and the content checks look at. */
export const HEAD_BYTES = 65_536

const GZIP_MAGIC = [0x1f, 0x8b] as const
export const isGzip = (bytes: Uint8Array): boolean => bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]

export const looksLikeHtml = (head: string): boolean =>
  /^\s*(?:<!--[\s\S]*?-->\s*)*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(head)

/** An Atom `<feed>` root after the optional XML declaration and comments (a sniff, not a parse). */
const looksLikeAtom = (head: string): boolean =>
  /^(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[\w-]+:)?feed[\s>]/.test(head)

/**
 * The snapshot's own keys: `categories` as one string, `update_date`,
 * `authors_parsed`, `versions`. A generic jsonl record has `labels` instead.
 */
const isSnapshotRecord = (record: unknown): boolean =>
  Predicate.isObject(record) &&
  (Predicate.isString(record.categories) || "update_date" in record || "authors_parsed" in record || "versions" in record)

/** arxiv-jsonl when the first complete lines that parse are snapshot records, else jsonl. */
const jsonLinesFormat = (head: string, complete: boolean): InputFormat => {
  const lines = head.split("\n")
  if (!complete) lines.pop() // the last line of a head may be cut off
  for (const line of lines.filter((text) => text.trim().length > 0).slice(0, 5)) {
    try {
      return isSnapshotRecord(JSON.parse(line)) ? "arxiv-jsonl" : "jsonl"
    } catch {
      // A bad first line is reported by the line parser; look at the next one for the format.
    }
  }
  return "jsonl"
}

/** Extensions that may settle a file the content leaves open (never override the content). */
const BY_EXTENSION: ReadonlyArray<readonly [RegExp, InputFormat]> = [
  [/\.csv$|\.tsv$/i, "csv"],
  [/\.(?:xml|atom)$/i, "arxiv-atom"],
  [/\.json$/i, "hf-json"],
  [/\.(?:jsonl|ndjson)$/i, "jsonl"]
]

/**
 * Format by content: the first non-blank character and the shape of the first
 * lines. `name` (the file name, `.gz` ignored) only breaks ties the content leaves.
 * `complete` says whether `text` is the whole file or only its head.
 */
export const detectFormat = (text: string, name?: string, complete = true): InputFormat | undefined => {
  const head = text.slice(0, HEAD_BYTES).replace(/^\uFEFF/, "").trimStart()
  if (head.length === 0 || looksLikeHtml(head)) return undefined
  if (head.startsWith("[")) return "hf-json"
  if (head.startsWith("{")) return jsonLinesFormat(head, complete && text.length <= HEAD_BYTES)
  if (head.startsWith("<")) return looksLikeAtom(head) ? "arxiv-atom" : byExtension(name)
  const header = csvHeaderOf(head.split("\n", 1)[0] ?? "")
  if (header.length >= 2 && header.some((cell) => (CSV_COLUMNS as ReadonlyArray<string>).includes(cell))) return "csv"
  const fromName = byExtension(name)
  if (fromName !== undefined) return fromName
  const lines = head.split("\n").map((line) => line.trim()).filter((line) => line.length > 0)
  // A copied Daily Papers page has page furniture ("Daily Papers", "Jun 23") or abstract paragraphs.
  if (lines.some((line) => isPageFurniture(line) || looksLikeAbstract(line))) return "hf-page"
  return undefined
}

const byExtension = (name: string | undefined): InputFormat | undefined => {
  if (name === undefined) return undefined
  const base = name.replace(/\.gz$/i, "")
  return BY_EXTENSION.find(([pattern]) => pattern.test(base))?.[1]
}

export const undetectedError = (file: string): InputError =>
  new InputError({
    file,
    reason: `cannot tell the format of this file (tried ${DETECTION_ORDER.join(", ")})`,
    hint: `Pass --format with one of: ${FORMATS.join(", ")}.`
  })

export const htmlError = (file: string): InputError =>
  new InputError({
    file,
    reason: "this is an HTML page saved from the browser, not the page's copied text",
    hint: "Open the Daily Papers page, select all, copy, and paste the text into a .txt file."
  })

/**
 * The checks every input passes before a format adapter sees it: not empty, not
 * only white space, not binary, not a saved HTML page. `head` is the decoded head;
 * `complete` says whether it is the whole file.
 */
export const checkHead = (head: Uint8Array, file: string, complete: boolean, gunzipped: boolean): InputError | undefined => {
  if (head.length === 0) {
    return new InputError({
      file,
      reason: gunzipped ? "the file is empty once decompressed" : "the file is empty",
      hint: "Pass a dump that holds papers."
    })
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return new InputError({
      file,
      reason: "the file is UTF-16 text; papersort reads UTF-8",
      hint: "Save it as UTF-8 (for example `iconv -f utf-16 -t utf-8`, or \"UTF-8\" in the editor's Save As)."
    })
  }
  if (head.subarray(0, 8192).includes(0)) {
    return new InputError({
      file,
      reason: gunzipped ? "the decompressed file is binary, not text" : "the file is binary, not text",
      hint: "Pass the text of the dump (a .gz is read as such; .zip, .xlsx and PDF files are not)."
    })
  }
  if (complete && head.every((byte) => byte === 32 || (byte >= 9 && byte <= 13))) {
    return new InputError({ file, reason: "the file holds only white space", hint: "Pass a dump that holds papers." })
  }
  if (looksLikeHtml(new TextDecoder("utf-8").decode(head.subarray(0, 4096)))) return htmlError(file)
  return undefined
}

/** The whole file as text, or an InputError naming the first line that is not UTF-8. */
export const decodeUtf8 = (bytes: Uint8Array, file: string): Result.Result<string, InputError> => {
  try {
    return Result.succeed(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
  } catch {
    return Result.fail(invalidUtf8Error(file, firstInvalidUtf8Line(bytes)))
  }
}

export const invalidUtf8Error = (file: string, line: number): InputError =>
  new InputError({
    file,
    line,
    reason: "the file is not valid UTF-8",
    hint: "Save the dump as UTF-8 text (for example `iconv -f latin1 -t utf-8`)."
  })

const firstInvalidUtf8Line = (bytes: Uint8Array): number => {
  const decoder = new TextDecoder("utf-8", { fatal: true })
  let line = 1
  let start = 0
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      try {
        decoder.decode(bytes.subarray(start, i))
      } catch {
        return line
      }
      line++
      start = i + 1
    }
  }
  return line
}
