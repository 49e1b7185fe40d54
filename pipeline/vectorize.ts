/**
 * TF-IDF over title + abstract: lower-cased, stop words out, Porter-stemmed,
 * unigrams + bigrams, the title counted `titleWeight` times, sublinear tf,
 * smooth idf, L2-normalised rows, min_df / max_df pruning. Sparse rows in
 * typed arrays (CSR), so a large corpus costs its non-zeros, not rows × vocabulary.
 */
import type { Paper } from "./domain.ts"
import { countTerms, type TermCounts } from "./termCounts.ts"
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
  /** Column → the words the corpus used most for it ("diffusion models"): what people read. */
  readonly surfaces: ReadonlyArray<string>
  readonly columnOf: TermColumns
  readonly idf: Float32Array
  readonly documentFrequency: Int32Array
  readonly documents: number
}

/** A term's column (undefined: not in the vocabulary). */
export interface TermColumns {
  get(term: string): number | undefined
  has(term: string): boolean
}

/**
 * The columns of a vocabulary in string order (`weighTerms`' since the first version, so also a
 * stored run's), found by binary search: a Map of its 544,000 terms at 200,000 papers took
 * 0.46 s to build, for the few thousand terms of a taxonomy looked up in it.
 */
export const sortedTermColumns = (vocabulary: ReadonlyArray<string>): TermColumns => {
  const get = (term: string): number | undefined => {
    let [low, high] = [0, vocabulary.length - 1]
    while (low <= high) {
      const middle = (low + high) >>> 1
      const found = vocabulary[middle]
      if (found === term) return middle
      if (found < term) low = middle + 1
      else high = middle - 1
    }
    return undefined
  }
  return { get, has: (term) => get(term) !== undefined }
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

/** TF-IDF vectors of the papers: `countTerms`, then `weighTerms`. */
export const fitTransform = (papers: ReadonlyArray<Paper>, options: VectorizeOptions, onProgress?: (done: number) => void): Vectorized =>
  weighTerms(countTerms(papers, options, onProgress), options)

/** 1 + ln(count) of the small whole counts, which most of a paper's terms have (one log each cost 0.3 s at 200,000 papers). */
const SUBLINEAR_TF = Float64Array.from({ length: 1024 }, (_, count) => 1 + Math.log(count))

const sublinearTf = (count: number): number => {
  const whole = count | 0
  return whole === count && whole < 1024 ? SUBLINEAR_TF[whole] : 1 + Math.log(count)
}

/** The vocabulary (terms within the document-frequency bounds, and `keepTerms`), idf, and each paper's unit TF-IDF row. */
export const weighTerms = (
  { index, papers: n, raw, rawOffsets }: TermCounts,
  options: VectorizeOptions,
  /** A full garbage collection (`collectGarbage.ts`), to give the counts' memory back as they are used up. */
  collect?: () => void
): Vectorized => {
  const terms = index.size
  const df = new Int32Array(terms)
  raw.forEachId((id) => df[id]++)
  const maxDf = Math.max(options.minDf, Math.floor(options.maxDf * n))
  const keep = new Uint8Array(terms)
  for (let id = 0; id < terms; id++) if (df[id] <= maxDf && df[id] >= options.minDf) keep[id] = 1
  for (const term of options.keepTerms) {
    const id = index.find(term)
    if (id !== undefined && df[id] > 0 && df[id] <= maxDf) keep[id] = 1
  }
  let keptCount = 0
  for (let id = 0; id < terms; id++) keptCount += keep[id]
  const keptIds = new Int32Array(keptCount)
  for (let id = 0, k = 0; id < terms; id++) if (keep[id] === 1) keptIds[k++] = id
  // Columns in the order of the terms' spellings.
  const kept = index.inSpellingOrder(keptIds)
  const columnOfId = new Int32Array(terms).fill(-1)
  const vocabulary = Array.from(kept, (id) => index.term(id))
  const surfaceOf = index.surfaces()
  const surfaces = Array.from(kept, (id) => surfaceOf(id))
  const cols = kept.length
  const documentFrequency = new Int32Array(cols)
  const idf = new Float32Array(cols)
  // Each kept term is an entry of the rows of the papers that have it.
  let entries = 0
  kept.forEach((id, column) => {
    columnOfId[id] = column
    documentFrequency[column] = df[id]
    idf[column] = Math.log((1 + n) / (1 + df[id])) + 1
    entries += df[id]
  })
  // The rows, in column order, straight into shared memory (k-means hands them to a worker).
  const offsets = new Int32Array(new SharedArrayBuffer((n + 1) * 4))
  const indices = new Int32Array(new SharedArrayBuffer(entries * 4))
  const values = new Float32Array(new SharedArrayBuffer(entries * 4))
  const weights = new Float64Array(cols)
  let written = 0
  let row = 0
  raw.drain(rawOffsets, (ids, counts, from, to) => {
    for (let e = from; e < to; e++) {
      const column = columnOfId[ids[e]]
      if (column < 0) continue
      weights[column] = sublinearTf(counts[e]) * idf[column]
      indices[written++] = column
    }
  }, () => {
    const start = offsets[row]
    indices.subarray(start, written).sort()
    let norm = 0
    for (let p = start; p < written; p++) norm += weights[indices[p]] * weights[indices[p]]
    norm = Math.sqrt(norm) || 1
    for (let p = start; p < written; p++) values[p] = weights[indices[p]] / norm
    offsets[++row] = written
  }, collect)
  const columnOf = sortedTermColumns(vocabulary)
  return {
    model: { vocabulary, surfaces, columnOf, idf, documentFrequency, documents: n },
    matrix: { rows: n, cols, offsets, indices, values }
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

/** Row subset of a sparse matrix (for fitting on a sample). */
export const subsetRows = (matrix: SparseRows, rows: Int32Array): SparseRows => {
  const offsets = new Int32Array(rows.length + 1)
  rows.forEach((row, i) => (offsets[i + 1] = offsets[i] + matrix.offsets[row + 1] - matrix.offsets[row]))
  const indices = new Int32Array(offsets[rows.length])
  const values = new Float32Array(offsets[rows.length])
  rows.forEach((row, i) => {
    indices.set(matrix.indices.subarray(matrix.offsets[row], matrix.offsets[row + 1]), offsets[i])
    values.set(matrix.values.subarray(matrix.offsets[row], matrix.offsets[row + 1]), offsets[i])
  })
  return { rows: rows.length, cols: matrix.cols, offsets, indices, values }
}

/** Every `step`-th row index, so that `count` rows spread evenly over the matrix (all rows when count ≥ rows). */
export const evenlySpacedRows = (rows: number, count: number): Int32Array => {
  if (count >= rows) return Int32Array.from({ length: rows }, (_, r) => r)
  return Int32Array.from({ length: count }, (_, i) => Math.floor((i * rows) / count))
}
