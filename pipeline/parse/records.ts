/**
 * What every adapter shares once a record is found: the skip-or-fail policy for bad
 * records, and the small field conversions (author lists, category lists, dates)
 * that several formats spell the same way.
 */
import { Result } from "effect"
import { InputError, type Paper } from "../domain.ts"
import { collapseWhitespace } from "../text.ts"

/** What an adapter hands back: the papers, and what --skip-bad-lines left out. */
export interface Records {
  readonly papers: ReadonlyArray<Paper>
  /** Records (lines, rows, entries) skipped under --skip-bad-lines, with the first few reasons. */
  readonly skippedLines: number
  readonly skippedReasons: ReadonlyArray<string>
}

/** How many skip reasons a ParsedFile keeps: enough to see the pattern, not a log. */
const KEPT_SKIP_REASONS = 5

/**
 * The papers of one file so far. A bad record stops the file, or under
 * --skip-bad-lines is counted and its reason kept (the first few).
 */
export class Collector implements Records {
  readonly papers: Array<Paper> = []
  readonly skippedReasons: Array<string> = []
  skippedLines = 0
  readonly skipBadRecords: boolean

  constructor(skipBadRecords: boolean) {
    this.skipBadRecords = skipBadRecords
  }

  /** `undefined` to go on, or the error that ends the file. */
  add(record: Result.Result<Paper, InputError>): InputError | undefined {
    if (Result.isSuccess(record)) {
      this.papers.push(record.success)
      return undefined
    }
    return this.reject(record.failure)
  }

  reject(error: InputError): InputError | undefined {
    if (!this.skipBadRecords) return error
    this.skippedLines++
    if (this.skippedReasons.length < KEPT_SKIP_REASONS) {
      this.skippedReasons.push(error.line !== undefined ? `line ${error.line}: ${error.reason}` : error.reason)
    }
    return undefined
  }
}

/**
 * Author names from one string. arXiv writes "A. One, B. Two and C. Three"; CSV
 * exports often use ";" because names can hold a comma ("Doe, J.").
 */
export const splitAuthors = (raw: string): Array<string> => {
  const parts = raw.includes(";") ? raw.split(";") : raw.split(/,\s*|\s+and\s+/)
  return parts.map(collapseWhitespace).filter((name) => name.length > 0)
}

/**
 * Categories or labels from one string: arXiv style "cs.LG stat.ML", or a list
 * separated by ";", "|" or "," (then a label may hold spaces: "computer vision").
 */
export const splitCategories = (raw: string): Array<string> => {
  const parts = /[;|,]/.test(raw) ? raw.split(/[;|,]/) : raw.split(/\s+/)
  return parts.map(collapseWhitespace).filter((label) => label.length > 0)
}

/**
 * The calendar date (`YYYY-MM-DD`) of an ISO timestamp or an RFC 2822 date
 * ("Mon, 2 Apr 2007 19:18:42 GMT", the snapshot's `versions[].created`), or null.
 * Dates are compared and grouped by day downstream; times of day carry nothing.
 */
export const isoDateOf = (raw: string | null | undefined): string | null => {
  if (raw === null || raw === undefined) return null
  const text = raw.trim()
  const iso = /^\d{4}-\d{2}-\d{2}/.exec(text)
  if (iso !== null) return iso[0]
  const millis = Date.parse(text)
  return Number.isNaN(millis) ? null : new Date(millis).toISOString().slice(0, 10)
}

/** The path a Schema issue points at (`at ["paper"]["title"]` → `paper.title`). */
export const schemaPath = (message: string): string | undefined => {
  const at = /\bat ((?:\[[^\]]+\])+)/.exec(message)?.[1]
  if (at === undefined) return undefined
  return [...at.matchAll(/\[("?)([^\]"]*)\1\]/g)].map((segment) => segment[2]).join(".")
}

/** The first line of a Schema message ("Expected string"), without the path lines. */
export const schemaProblem = (message: string): string => collapseWhitespace(message.split("\n")[0] ?? message)

/** A record that failed its Schema, as an InputError naming the file, line and the field at fault. */
export const recordError = (where: { readonly file: string; readonly line?: number }, what: string, schemaMessage: string, hint: string): InputError => {
  const field = schemaPath(schemaMessage)
  return new InputError({
    file: where.file,
    ...(where.line !== undefined ? { line: where.line } : {}),
    ...(field !== undefined ? { field } : {}),
    reason: `${what}: ${schemaProblem(schemaMessage)}`,
    hint
  })
}

/** The 1-based line of a character offset, for parsers that report positions. */
export const lineAt = (text: string, offset: number): number => {
  let line = 1
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) line++
  return line
}
