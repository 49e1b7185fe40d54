/**
 * The evidence of an assignment: the terms a paper shares with its topic's own text, found from
 * the paper's TF-IDF row (mapTopics.ts's `finishMapping` asks for each topic it makes).
 */
import type { SparseVector, TfidfModel } from "./vectorize.ts"

/**
 * Evidence for one paper and node: the terms of the paper's vector that the node's own text
 * shares, strongest first (weight in the paper × weight in the node), in the words the dump
 * uses most for them ("diffusion models"), without reading the paper's text again.
 */
export const evidenceFor = (
  row: SparseVector,
  node: SparseVector,
  model: Pick<TfidfModel, "vocabulary" | "surfaces">,
  limit = 6
): Array<string> => {
  // The shared terms in scratch arrays, then the strongest picked one at a time: a paper shares a
  // few dozen terms at most with a node, and a million papers' objects and sorts were the cost.
  let matched = 0
  const filter = filterOf(node)
  const { indices, values } = row
  for (let p = 0; p < indices.length; p++) {
    const column = indices[p]
    if ((filter[(column & FILTER_MASK) >>> 5] & (1 << (column & 31))) === 0) continue
    const q = positionOf(node.indices, column)
    if (q < 0) continue
    if (matched === matchedColumns.length) growMatched()
    matchedColumns[matched] = column
    matchedWeights[matched++] = values[p] * node.values[q]
  }
  const shown: Array<number> = []
  for (let taken = 0; taken < matched && shown.length < limit; taken++) {
    // The strongest term not taken yet (ties: the lower column), swapped to the front.
    let best = taken
    for (let i = taken + 1; i < matched; i++) {
      if (matchedWeights[i] > matchedWeights[best] || (matchedWeights[i] === matchedWeights[best] && matchedColumns[i] < matchedColumns[best])) best = i
    }
    const column = matchedColumns[best]
    const weight = matchedWeights[best]
    matchedColumns[best] = matchedColumns[taken]
    matchedWeights[best] = matchedWeights[taken]
    matchedColumns[taken] = column
    matchedWeights[taken] = weight
    // A bigram makes its own words redundant as evidence.
    const term = model.vocabulary[column]
    if (!term.includes(" ") && shown.some((other) => hasWord(model.vocabulary[other], term))) continue
    shown.push(column)
  }
  return shown.map((column) => model.surfaces[column])
}

/**
 * A node's columns as a 4,096-bit filter: most of a paper's terms are not the node's, and one
 * bit says so; the rest are looked up in the node's (sorted) columns. A merge of the two vectors
 * branched on every term of both.
 */
const FILTER_MASK = 4_095
const filters = new WeakMap<SparseVector, Uint32Array>()
const filterOf = (node: SparseVector): Uint32Array => {
  let filter = filters.get(node)
  if (filter === undefined) {
    filter = new Uint32Array((FILTER_MASK + 1) / 32)
    for (const column of node.indices) filter[(column & FILTER_MASK) >>> 5] |= 1 << (column & 31)
    filters.set(node, filter)
  }
  return filter
}

/** The position of `column` in ascending `columns`, or -1. */
const positionOf = (columns: Int32Array, column: number): number => {
  let [low, high] = [0, columns.length - 1]
  while (low <= high) {
    const middle = (low + high) >>> 1
    if (columns[middle] < column) low = middle + 1
    else if (columns[middle] > column) high = middle - 1
    else return middle
  }
  return -1
}

let matchedColumns = new Int32Array(256)
let matchedWeights = new Float64Array(256)
const growMatched = () => {
  const [columns, weights] = [new Int32Array(matchedColumns.length * 2), new Float64Array(matchedWeights.length * 2)]
  columns.set(matchedColumns)
  weights.set(matchedWeights)
  matchedColumns = columns
  matchedWeights = weights
}

/** Whether `word` (no spaces) is one of the space-separated words of `phrase`: `phrase.split(" ").includes(word)` without the array. */
const hasWord = (phrase: string, word: string): boolean => {
  for (let at = phrase.indexOf(word); at >= 0; at = phrase.indexOf(word, at + 1)) {
    const end = at + word.length
    if ((at === 0 || phrase.charCodeAt(at - 1) === 32) && (end === phrase.length || phrase.charCodeAt(end) === 32)) return true
  }
  return false
}
