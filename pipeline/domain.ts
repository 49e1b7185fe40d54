/**
 * The domain types every stage shares: papers, the taxonomy, assignments, and the
 * errors a user can act on. Stages import from here and from nowhere else upstream.
 */
import { Schema } from "effect"

export const FORMATS = ["hf-page", "hf-json", "arxiv-atom", "arxiv-jsonl", "jsonl", "csv"] as const
export type InputFormat = (typeof FORMATS)[number]

/** One paper as it leaves the parser: identity fixed, text normalised. */
export interface Paper {
  readonly paperId: string
  readonly arxivId: string | null
  readonly title: string
  readonly abstract: string
  readonly authors: ReadonlyArray<string>
  readonly published: string | null
  readonly categories: ReadonlyArray<string>
  readonly sourceFormat: InputFormat
  readonly sourceFile: string
  /** Extra metadata a source carries (upvotes, the API's keywords), kept as JSON. */
  readonly extra: Readonly<Record<string, unknown>> | null
}

export interface TaxonomyNode {
  readonly id: string
  readonly label: string
  readonly description: string
  readonly keywords: ReadonlyArray<string>
  readonly examples: ReadonlyArray<string>
  readonly parentId: string | null
  readonly path: string
  readonly depth: number
  readonly childIds: ReadonlyArray<string>
}

export interface Taxonomy {
  readonly name: string
  readonly file: string
  readonly sha256: string
  /** Nodes in document order (parents before their children). */
  readonly nodes: ReadonlyArray<TaxonomyNode>
}

export const UNASSIGNED = "unassigned"

/** One node a paper was given, with the score and the words that earned it. */
export interface TopicScore {
  readonly nodeId: string
  readonly score: number
  readonly evidence: ReadonlyArray<string>
}

export interface PaperAssignment {
  readonly paperIndex: number
  /** Rank 1 first; a paper that fits nothing has one entry for `unassigned`. */
  readonly topics: ReadonlyArray<TopicScore>
}

export interface ClusterMapping {
  readonly clusterId: number
  readonly nodeId: string | null
  readonly score: number
  /** The best node even when below the threshold: where a suggestion would attach. */
  readonly nearestNodeId: string
}

// ---------------------------------------------------------------------------
// Errors. Each names what the user must fix; the CLI prints `message` and `hint`.

/** The input dump is wrong: names the file, and the line and field where one exists. */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  file: Schema.String,
  line: Schema.optional(Schema.Number),
  field: Schema.optional(Schema.String),
  reason: Schema.String,
  hint: Schema.String
}) {}

export interface TaxonomyIssue {
  readonly line: number
  readonly col: number
  readonly message: string
}

/** The taxonomy file is wrong: every problem found, each with its line and column. */
export class TaxonomyError extends Schema.TaggedError<TaxonomyError>()("TaxonomyError", {
  file: Schema.String,
  issues: Schema.Array(Schema.Struct({ line: Schema.Number, col: Schema.Number, message: Schema.String }))
}) {}

/** The database cannot be used as asked (not a DuckDB file, held by another process, no such run). */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  file: Schema.String,
  reason: Schema.String,
  hint: Schema.String
}) {}

/** A command-line value that cannot work (`--k 0`, an unknown run id). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  reason: Schema.String,
  hint: Schema.String
}) {}

export type UserError = InputError | TaxonomyError | DatabaseError | UsageError

/** The one-line (or, for a taxonomy, one-line-per-problem) description the CLI prints. */
export const describeUserError = (error: UserError): { readonly message: string; readonly hint: string } => {
  switch (error._tag) {
    case "InputError": {
      const where = [
        error.file,
        error.line !== undefined ? `line ${error.line}` : undefined,
        error.field !== undefined ? `field "${error.field}"` : undefined
      ].filter((part) => part !== undefined).join(", ")
      return { message: `${where}: ${error.reason}`, hint: error.hint }
    }
    case "TaxonomyError":
      return {
        message: error.issues.map((issue) => `${error.file}:${issue.line}:${issue.col}: ${issue.message}`).join("\n"),
        hint: "Fix the taxonomy file at the places above; `papersort taxonomy check FILE` checks it again."
      }
    case "DatabaseError":
      return { message: `${error.file}: ${error.reason}`, hint: error.hint }
    case "UsageError":
      return { message: error.reason, hint: error.hint }
  }
}
