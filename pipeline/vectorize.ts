/**
 * TF-IDF over title + abstract: lower-cased, stop words out, Porter-stemmed,
 * unigrams + bigrams, the title counted `titleWeight` times, sublinear tf,
 * smooth idf, L2-normalised rows, min_df / max_df pruning. Sparse rows in
 * typed arrays (CSR), so a large corpus costs its non-zeros, not rows × vocabulary.
 */
import type { Paper } from "./domain.ts"
import { terms } from "./text.ts"

export interface SparseRows {
  readonly rows: number
  readonly cols: number
  /** Row r holds entries offsets[r] … offsets[r + 1] - 1. */
  readonly offsets: Int32Array
  readonly indices: Int32Array
  readonly values: Float32Array
}

export interface SparseVector {
  readonly indices: Int32Array
  readonly values: Float32Array
}

export interface TfidfModel {
  /** Column → term ("diffus", "diffus model"), sorted. */
  readonly vocabulary: ReadonlyArray<string>
  readonly columnOf: ReadonlyMap<string, number>
  readonly idf: Float32Array
  readonly documentFrequency: Int32Array
  readonly documents: number
}

export interface VectorizeOptions {
  /** How many times the title counts against the abstract's once. */
  readonly titleWeight: number
  /** Terms in fewer papers than this are dropped (rare words carry noise, not topics). */
  readonly minDf: number
  /** Terms in more than this share of the papers are dropped (they separate nothing). */
  readonly maxDf: number
  /** Terms kept below min_df, if at least one paper has them (taxonomy words). */
  readonly keepTerms: ReadonlySet<string>
}

/** min_df that grows with the corpus: 2 for a day's page, 5 (scikit-learn's common choice) from 5,000 papers. */
export const defaultMinDf = (papers: number): number => (papers < 500 ? 2 : papers < 5_000 ? 3 : 5)

export const DEFAULT_VECTORIZE: Omit<VectorizeOptions, "minDf" | "keepTerms"> = { titleWeight: 2, maxDf: 0.5 }

export const paperText = (paper: Paper): { readonly title: string; readonly abstract: string } => ({
  title: paper.title,
  abstract: paper.abstract
})

/** Term counts of one document as parallel arrays, terms interned in `intern`. */
const countTerms = (termLists: ReadonlyArray<{ terms: ReadonlyArray<string>; weight: number }>, intern: Map<string, number>) => {
  const counts = new Map<number, number>()
  for (const { terms: list, weight } of termLists) {
    for (const term of list) {
      let id = intern.get(term)
      if (id === undefined) {
        id = intern.size
        intern.set(term, id)
      }
      counts.set(id, (counts.get(id) ?? 0) + weight)
    }
  }
  return counts
}

/** Build the sparse row of one document's weighted counts under a fitted model, L2-normalised. */
const weightRow = (counts: Map<number, number>, columnOfId: (id: number) => number, idf: Float32Array): SparseVector => {
  const entries: Array<[number, number]> = []
  for (const [id, count] of counts) {
    const column = columnOfId(id)
    if (column >= 0) entries.push([column, (1 + Math.log(count)) * idf[column]])
  }
  entries.sort((a, b) => a[0] - b[0])
  let norm = 0
  for (const [, value] of entries) norm += value * value
  norm = Math.sqrt(norm) || 1
  return {
    indices: Int32Array.from(entries, ([column]) => column),
    values: Float32Array.from(entries, ([, value]) => value / norm)
  }
}

export interface Vectorized {
  readonly model: TfidfModel
  readonly matrix: SparseRows
}

export const fitTransform = (papers: ReadonlyArray<Paper>, options: VectorizeOptions): Vectorized => {
  const intern = new Map<string, number>()
  const documentCounts = papers.map((paper) =>
    countTerms([{ terms: terms(paper.title), weight: options.titleWeight }, { terms: terms(paper.abstract), weight: 1 }], intern)
  )
  const df = new Int32Array(intern.size)
  for (const counts of documentCounts) for (const id of counts.keys()) df[id]++
  const n = papers.length
  const maxDf = Math.max(options.minDf, Math.floor(options.maxDf * n))
  const kept: Array<[string, number]> = []
  for (const [term, id] of intern) {
    const frequency = df[id]
    if (frequency <= maxDf && (frequency >= options.minDf || (frequency > 0 && options.keepTerms.has(term)))) kept.push([term, id])
  }
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const columnOfId = new Int32Array(intern.size).fill(-1)
  const vocabulary = kept.map(([term]) => term)
  const documentFrequency = new Int32Array(kept.length)
  const idf = new Float32Array(kept.length)
  kept.forEach(([, id], column) => {
    columnOfId[id] = column
    documentFrequency[column] = df[id]
    idf[column] = Math.log((1 + n) / (1 + df[id])) + 1
  })
  const rows = documentCounts.map((counts) => weightRow(counts, (id) => columnOfId[id], idf))
  const offsets = new Int32Array(n + 1)
  rows.forEach((row, r) => (offsets[r + 1] = offsets[r] + row.indices.length))
  const indices = new Int32Array(offsets[n])
  const values = new Float32Array(offsets[n])
  rows.forEach((row, r) => {
    indices.set(row.indices, offsets[r])
    values.set(row.values, offsets[r])
  })
  const columnOf = new Map(vocabulary.map((term, column) => [term, column]))
  return {
    model: { vocabulary, columnOf, idf, documentFrequency, documents: n },
    matrix: { rows: n, cols: vocabulary.length, offsets, indices, values }
  }
}

/** A text (a taxonomy node, a query) in the model's space: the same terms, idf and norm as a paper. */
export const transformText = (model: TfidfModel, weightedTexts: ReadonlyArray<{ text: string; weight: number }>): SparseVector => {
  const counts = new Map<number, number>()
  for (const { text, weight } of weightedTexts) {
    for (const term of terms(text)) {
      const column = model.columnOf.get(term)
      if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + weight)
    }
  }
  return weightRow(counts, (column) => column, model.idf)
}

export const rowOf = (matrix: SparseRows, row: number): SparseVector => ({
  indices: matrix.indices.subarray(matrix.offsets[row], matrix.offsets[row + 1]),
  values: matrix.values.subarray(matrix.offsets[row], matrix.offsets[row + 1])
})

/** Dot product of a sparse row with a dense vector. */
export const dotDense = (matrix: SparseRows, row: number, dense: Float32Array | Float64Array): number => {
  let sum = 0
  for (let p = matrix.offsets[row], end = matrix.offsets[row + 1]; p < end; p++) sum += matrix.values[p] * dense[matrix.indices[p]]
  return sum
}

/** A sparse vector spread into a dense one of the model's width. */
export const toDense = (vector: SparseVector, cols: number): Float32Array => {
  const dense = new Float32Array(cols)
  for (let p = 0; p < vector.indices.length; p++) dense[vector.indices[p]] = vector.values[p]
  return dense
}
