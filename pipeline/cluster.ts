/**
 * Clusters: spherical k-means (cosine) on the sparse TF-IDF rows, k-means++
 * initialisation from the seeded generator. `--k auto` picks the k with the best
 * mean silhouette over a range of candidates, measured on a sample.
 */
import { makeAssigner } from "./clusterAssign.ts"
import { seededRandom, sampleIndices, type Random } from "./random.ts"
import { dotDense, type SparseRows } from "./vectorize.ts"

export interface Clustering {
  readonly k: number
  /** Cluster of each paper, 0 … k-1, ordered by cluster size (0 = largest). */
  readonly labels: Int32Array
  /** Unit-length centroids, k × cols, row-major. */
  readonly centroids: Float32Array
  readonly sizes: Int32Array
  readonly iterations: number
}

export interface ClusterOptions {
  readonly k: number
  readonly seed: number
  readonly maxIterations: number
  /** Papers sampled for k-means++ (its cost is quadratic in k × sample). */
  readonly initSample: number
  /** Independent k-means++ starts; the one with the highest total cosine to its centroids wins. */
  readonly restarts: number
  /** Label the rows on a second thread when the corpus is large (default); false: never. Same labels either way. */
  readonly worker?: boolean
  /** Called after each Lloyd iteration (progress only: it cannot change the result). */
  readonly onIteration?: (iteration: number, moved: number) => void
}

const centroidRow = (centroids: Float32Array, cols: number, c: number) => centroids.subarray(c * cols, (c + 1) * cols)

/** Add a row into centroid `c` of a k × cols array, in place (no view per call: this runs for every row of every iteration). */
const addRowAt = (matrix: SparseRows, row: number, target: Float32Array, base: number) => {
  for (let p = matrix.offsets[row], end = matrix.offsets[row + 1]; p < end; p++) target[base + matrix.indices[p]] += matrix.values[p]
}

/** Dot product of a row with centroid `c` of a k × cols array; the same sum, in the same order, as `dotDense`. */
const dotAt = (matrix: SparseRows, row: number, centroids: Float32Array, base: number): number => {
  let sum = 0
  for (let p = matrix.offsets[row], end = matrix.offsets[row + 1]; p < end; p++) sum += matrix.values[p] * centroids[base + matrix.indices[p]]
  return sum
}


const normalize = (vector: Float32Array) => {
  let norm = 0
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i]
  norm = Math.sqrt(norm)
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm
}

/** k-means++ over a sample: each next centre drawn with probability ∝ its cosine distance² to the nearest centre. */
const kMeansPlusPlus = (matrix: SparseRows, k: number, random: Random, sampleSize: number): Float32Array => {
  const cols = matrix.cols
  const centroids = new Float32Array(k * cols)
  const sample = sampleIndices(matrix.rows, sampleSize, random)
  const nearest = new Float64Array(sample.length).fill(Infinity)
  let chosen = sample[Math.floor(random() * sample.length)]
  for (let c = 0; c < k; c++) {
    const centre = centroidRow(centroids, cols, c)
    addRowAt(matrix, chosen, centroids, c * cols)
    let total = 0
    for (let s = 0; s < sample.length; s++) {
      const distance = 1 - dotDense(matrix, sample[s], centre)
      const squared = distance * distance
      if (squared < nearest[s]) nearest[s] = squared
      total += nearest[s]
    }
    if (c === k - 1) break
    let target = random() * total
    let pick = sample.length - 1
    for (let s = 0; s < sample.length; s++) {
      target -= nearest[s]
      if (target <= 0) {
        pick = s
        break
      }
    }
    chosen = sample[pick]
  }
  return centroids
}

/** Spherical k-means: assign each row to its most cosine-similar centroid, recompute, repeat. */
export const kMeans = (matrix: SparseRows, options: ClusterOptions): Clustering => {
  const random = seededRandom(options.seed)
  let best: { clustering: Clustering; cohesion: number } | undefined
  for (let start = 0; start < Math.max(1, options.restarts); start++) {
    const result = matrix.rows > SAMPLE_FIRST_ROWS ? sampleThenFull(matrix, options, random) : lloyd(matrix, options, random)
    if (best === undefined || result.cohesion > best.cohesion) best = result
  }
  return best!.clustering
}

/**
 * Above this many papers, Lloyd's iterations start on a sample (`SAMPLE_ROWS`) and only the
 * last few run over every paper: a full iteration costs every non-zero × the clusters sharing
 * its term, and 20-odd of them over a million papers would take most of a run. Corpora up
 * to this size (the 10k and 40k benches, every test) take the full-data path unchanged.
 */
const SAMPLE_FIRST_ROWS = 100_000
const SAMPLE_ROWS = 50_000
const FULL_ITERATIONS = 8

const sampleThenFull = (matrix: SparseRows, options: ClusterOptions, random: Random): { clustering: Clustering; cohesion: number } => {
  const sample = subsetRows(matrix, Int32Array.from(sampleIndices(matrix.rows, SAMPLE_ROWS, random)).sort())
  const onSample = lloyd(sample, { ...options, onIteration: undefined }, random)
  return lloyd(matrix, { ...options, maxIterations: Math.min(FULL_ITERATIONS, options.maxIterations) }, random, onSample.clustering.centroids)
}

const lloyd = (
  matrix: SparseRows,
  options: ClusterOptions,
  random: Random,
  initial?: Float32Array
): { clustering: Clustering; cohesion: number } => {
  const { cols, rows } = matrix
  const k = initial === undefined ? Math.max(1, Math.min(options.k, rows)) : initial.length / cols
  let centroids = initial ?? kMeansPlusPlus(matrix, k, random, options.initSample)
  const assigner = makeAssigner(matrix, options.worker ?? true)
  const { labels, best } = assigner
  labels.fill(-1)
  let iterations = 0
  for (; iterations < options.maxIterations; iterations++) {
    let changed = assigner.assign(centroids, k)
    const next = new Float32Array(k * cols)
    const sizes = new Int32Array(k)
    for (let r = 0; r < rows; r++) {
      addRowAt(matrix, r, next, labels[r] * cols)
      sizes[labels[r]]++
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c] === 0) {
        // An empty cluster takes the paper that fits its own cluster worst.
        let worst = 0
        for (let r = 1; r < rows; r++) if (best[r] < best[worst]) worst = r
        best[worst] = Infinity
        addRowAt(matrix, worst, next, c * cols)
        changed++
      }
      normalize(centroidRow(next, cols, c))
    }
    centroids = next
    options.onIteration?.(iterations + 1, changed)
    // Converged when under 0.1% of the papers moved: the last moves barely change the centroids.
    if (changed <= rows * 0.001) {
      iterations++
      break
    }
  }
  assigner.close()
  let cohesion = 0
  for (let r = 0; r < rows; r++) cohesion += dotAt(matrix, r, centroids, labels[r] * cols)
  return { clustering: relabelBySize(labels, centroids, k, cols, iterations), cohesion }
}

/** Cluster ids by size, largest first (ties by first paper), so ids read the same on every run. */
const relabelBySize = (labels: Int32Array, centroids: Float32Array, k: number, cols: number, iterations: number): Clustering => {
  const sizes = new Int32Array(k)
  const firstSeen = new Int32Array(k).fill(labels.length)
  labels.forEach((label, r) => {
    sizes[label]++
    if (firstSeen[label] > r) firstSeen[label] = r
  })
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => sizes[b] - sizes[a] || firstSeen[a] - firstSeen[b])
  const newId = new Int32Array(k)
  order.forEach((old, id) => (newId[old] = id))
  const sortedCentroids = new Float32Array(k * cols)
  order.forEach((old, id) => sortedCentroids.set(centroidRow(centroids, cols, old), id * cols))
  return {
    k,
    labels: labels.map((label) => newId[label]),
    centroids: sortedCentroids,
    sizes: Int32Array.from(order, (old) => sizes[old]),
    iterations
  }
}

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

/** Row subset of a sparse matrix (for fitting candidates on a sample). */
const subsetRows = (matrix: SparseRows, rows: Int32Array): SparseRows => {
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
