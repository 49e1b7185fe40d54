/**
 * `--k auto`: the k whose clusters have the best mean silhouette (cosine), among a range
 * of candidates around √(n/2), each fitted on a sample.
 */
import { kMeans } from "./cluster.ts"
import { sampleIndices, seededRandom } from "./random.ts"
import { type SparseRows, subsetRows } from "./vectorize.ts"

/**
 * Cosine similarity of every pair of sample rows, through an inverted index of
 * the sample's columns: the cost is the sum of squared column counts, not
 * sample² × vocabulary.
 */
const pairwiseSimilarity = (matrix: SparseRows, sample: Int32Array): Float32Array => {
  const n = sample.length
  const postings = new Map<number, Array<[number, number]>>()
  sample.forEach((row, i) => {
    for (let p = matrix.offsets[row]; p < matrix.offsets[row + 1]; p++) {
      const list = postings.get(matrix.indices[p])
      if (list === undefined) postings.set(matrix.indices[p], [[i, matrix.values[p]]])
      else list.push([i, matrix.values[p]])
    }
  })
  const similarity = new Float32Array(n * n)
  for (const list of postings.values()) {
    for (const [i, a] of list) for (const [j, b] of list) similarity[i * n + j] += a * b
  }
  return similarity
}

/** Mean silhouette (cosine distance) of the sample rows, given their pairwise similarities. */
export const silhouette = (similarity: Float32Array, labels: ArrayLike<number>, k: number): number => {
  const n = labels.length
  let total = 0
  const sums = new Float64Array(k)
  const counts = new Int32Array(k)
  for (let i = 0; i < n; i++) {
    sums.fill(0)
    counts.fill(0)
    for (let j = 0; j < n; j++) {
      if (j === i) continue
      sums[labels[j]] += 1 - similarity[i * n + j]
      counts[labels[j]]++
    }
    const own = labels[i]
    if (counts[own] === 0) continue
    const a = sums[own] / counts[own]
    let b = Infinity
    for (let c = 0; c < k; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[c] / counts[c])
    if (b === Infinity) continue
    total += (b - a) / Math.max(a, b)
  }
  return total / n
}

export interface KChoice {
  readonly k: number
  /** Mean silhouette of each candidate k, as measured. */
  readonly scores: ReadonlyArray<{ readonly k: number; readonly silhouette: number }>
}

/**
 * Candidate k values around the rule of thumb √(n/2): from half of it to twice
 * it, at most 8 candidates, between 2 and 100.
 */
export const candidateKs = (papers: number): Array<number> => {
  const middle = Math.sqrt(papers / 2)
  const high = Math.max(2, Math.min(100, Math.round(2 * middle)))
  const low = Math.min(high, Math.max(2, Math.round(middle / 2)))
  const step = Math.max(1, Math.ceil((high - low) / 7))
  const ks: Array<number> = []
  for (let k = low; k <= high; k += step) ks.push(k)
  if (ks.at(-1) !== high) ks.push(high)
  return ks
}

/**
 * `--k auto`: fit each candidate k on a sample of up to 3,000 papers and keep the
 * one with the best mean silhouette on 1,000 of them.
 */
export const chooseK = (matrix: SparseRows, seed: number): KChoice => {
  const random = seededRandom(seed)
  const fitSample = sampleIndices(matrix.rows, 3_000, random)
  const sampled = fitSample.length === matrix.rows ? matrix : subsetRows(matrix, Int32Array.from(fitSample).sort())
  const scoreSample = Int32Array.from(sampleIndices(sampled.rows, 1_000, random)).sort()
  const similarity = pairwiseSimilarity(sampled, scoreSample)
  const scores = candidateKs(matrix.rows).map((k) => {
    const clustering = kMeans(sampled, { k, seed, maxIterations: 15, initSample: 3_000, restarts: 1 })
    const labels = Array.from(scoreSample, (row) => clustering.labels[row])
    return { k, silhouette: Math.round(silhouette(similarity, labels, k) * 10_000) / 10_000 }
  })
  const best = scores.reduce((a, b) => (b.silhouette > a.silhouette ? b : a))
  return { k: best.k, scores }
}
