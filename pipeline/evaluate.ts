/**
 * Scoring a run against labelled papers: accuracy, lenient accuracy, macro-F1
 * and the confusions that cost most. Pure: the `eval` command feeds it.
 */
import { Result, Schema } from "effect"
import { InputError } from "./domain.ts"
import { parseJsonLine } from "./parse/jsonl.ts"
import { recordError } from "./parse/records.ts"
import { arxivIdOf, normalizedTitle } from "./parse/identity.ts"

const GoldRecord = Schema.Struct({
  id: Schema.optional(Schema.Union([Schema.String, Schema.Number])),
  title: Schema.optional(Schema.String),
  labels: Schema.optional(Schema.Array(Schema.String)),
  primary: Schema.optional(Schema.String),
  secondary: Schema.optional(Schema.Array(Schema.String))
})
const decodeGold = Schema.decodeUnknownResult(GoldRecord)
const HINT = "Each line needs \"id\" or \"title\", and \"labels\" (first = primary) or \"primary\" (+ \"secondary\")."

export interface GoldPaper {
  readonly id: string | null
  readonly title: string | null
  /** Primary label first. */
  readonly labels: ReadonlyArray<string>
}

export interface PredictedPaper {
  readonly paperId: string
  readonly arxivId: string | null
  readonly title: string
  readonly primary: string
}

/** Gold labels from JSONL: `id` or `title`, and `labels` (first = primary) or `primary` + `secondary`. */
export const parseGold = (text: string, file: string): Result.Result<Array<GoldPaper>, InputError> => {
  const gold: Array<GoldPaper> = []
  const lines = text.split("\n")
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim()
    if (line.length === 0) continue
    const json = parseJsonLine(line, file, index + 1)
    if (Result.isFailure(json)) return Result.fail(json.failure)
    const decoded = decodeGold(json.success)
    const bad = (reason: string, field?: string) =>
      Result.fail(new InputError({
        file,
        line: index + 1,
        ...(field !== undefined ? { field } : {}),
        reason,
        hint: HINT
      }))
    if (Result.isFailure(decoded)) return Result.fail(recordError({ file, line: index + 1 }, "not a labelled paper", decoded.failure.message, HINT))
    const record = decoded.success
    const labels = record.labels ?? (record.primary !== undefined ? [record.primary, ...(record.secondary ?? [])] : [])
    if (labels.length === 0) return bad("the paper has no labels", "labels")
    if (record.id === undefined && (record.title === undefined || record.title.trim() === "")) return bad("the paper has neither id nor title", "id")
    gold.push({ id: record.id === undefined ? null : String(record.id), title: record.title ?? null, labels })
  }
  if (gold.length === 0) {
    return Result.fail(new InputError({ file, reason: "no labelled papers in the file", hint: "Write one JSON object per line." }))
  }
  return Result.succeed(gold)
}

export interface NodeScore {
  readonly precision: number
  readonly recall: number
  readonly f1: number
  readonly support: number
  readonly predicted: number
}

export interface Evaluation {
  readonly matched: number
  readonly unmatched: number
  readonly accuracy: number
  readonly lenient_accuracy: number
  readonly macro_f1: number
  readonly per_node: Record<string, NodeScore>
  readonly confusions: ReadonlyArray<{ readonly gold: string; readonly predicted: string; readonly papers: number }>
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000

/** Match gold papers to predictions (by id, else by normalised title) and score them. */
export const evaluate = (gold: ReadonlyArray<GoldPaper>, predictions: ReadonlyArray<PredictedPaper>): Evaluation => {
  const byId = new Map<string, PredictedPaper>()
  const byTitle = new Map<string, PredictedPaper>()
  for (const prediction of predictions) {
    byId.set(prediction.paperId, prediction)
    if (prediction.arxivId !== null) byId.set(prediction.arxivId, prediction)
    byTitle.set(normalizedTitle(prediction.title), prediction)
  }
  const pairs: Array<{ gold: GoldPaper; predicted: string }> = []
  let unmatched = 0
  for (const paper of gold) {
    const id = paper.id === null ? undefined : (arxivIdOf(paper.id) ?? paper.id)
    const found = (id !== undefined ? byId.get(id) : undefined) ?? (paper.title !== null ? byTitle.get(normalizedTitle(paper.title)) : undefined)
    if (found === undefined) unmatched++
    else pairs.push({ gold: paper, predicted: found.primary })
  }
  const truePositive = new Map<string, number>()
  const support = new Map<string, number>()
  const predicted = new Map<string, number>()
  const confusion = new Map<string, number>()
  let correct = 0
  let lenient = 0
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
  for (const { gold: paper, predicted: label } of pairs) {
    const primary = paper.labels[0]
    bump(support, primary)
    bump(predicted, label)
    if (label === primary) {
      correct++
      bump(truePositive, primary)
    } else {
      bump(confusion, `${primary}\u0000${label}`)
    }
    if (paper.labels.includes(label)) lenient++
  }
  const perNode: Record<string, NodeScore> = {}
  for (const node of [...new Set([...support.keys(), ...predicted.keys()])].sort()) {
    const tp = truePositive.get(node) ?? 0
    const precision = (predicted.get(node) ?? 0) > 0 ? tp / predicted.get(node)! : 0
    const recall = (support.get(node) ?? 0) > 0 ? tp / support.get(node)! : 0
    perNode[node] = {
      precision: round(precision),
      recall: round(recall),
      f1: round(precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0),
      support: support.get(node) ?? 0,
      predicted: predicted.get(node) ?? 0
    }
  }
  const goldClasses = [...support.keys()]
  const macroF1 = goldClasses.length > 0 ? goldClasses.reduce((sum, node) => sum + perNode[node].f1, 0) / goldClasses.length : 0
  const n = pairs.length
  return {
    matched: n,
    unmatched,
    accuracy: round(n > 0 ? correct / n : 0),
    lenient_accuracy: round(n > 0 ? lenient / n : 0),
    macro_f1: round(macroF1),
    per_node: perNode,
    confusions: [...confusion]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 20)
      .map(([key, papers]) => {
        const [goldLabel, predictedLabel] = key.split("\u0000")
        return { gold: goldLabel, predicted: predictedLabel, papers }
      })
  }
}
