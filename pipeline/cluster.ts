/**
 * Clusters: spherical k-means (cosine) on the sparse TF-IDF rows, k-means++
 * initialisation from the seeded generator (`--k auto` is in chooseK.ts).
 */
import { makeAssigner } from "./clusterAssign.ts"
import { centroidOf, centroidScratch, rowsByLabel } from "./clusterCentroids.ts"
import { seededRandom, sampleIndices, type Random } from "./random.ts"
import { dotDense, rowOf, type SparseRows, type SparseVector, subsetRows } from "./vectorize.ts"

export interface Clustering {
  readonly k: number
  /** Cluster of each paper, 0 … k-1, ordered by cluster size (0 = largest). */
  readonly labels: Int32Array
  /** Unit-length centroids, sparse (columns ascending), each cut to its `centroidTerms` heaviest terms. */
  readonly centroids: ReadonlyArray<SparseVector>
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
  /** Terms kept per centroid (the heaviest; default `CENTROID_TERMS`). */
  readonly centroidTerms?: number
  /** Label the rows on a second thread when the corpus is large (default); false: never. Same labels either way. */
  readonly worker?: boolean
  /**
   * Called after each Lloyd iteration (progress only: it cannot change the result); `onSample`
   * for the iterations on a sample that a large corpus starts with (`SAMPLE_FIRST_ROWS`).
   */
  readonly onIteration?: (iteration: number, moved: number, onSample: boolean) => void
}

/**
 * A centroid keeps its heaviest terms only. The mean of a few hundred TF-IDF rows has a
 * long tail of terms that one or two of them use, with tiny weights: they change no
 * paper's nearest centroid, but every paper that has one of them pays a multiply per
 * cluster. Measured on the 40,000-paper dev set (k = 100): see the README's "Large dumps".
 */
export const CENTROID_TERMS = 1_000

/** The sample's non-zeros by column (positions in `sample`, ascending within a column). */
const samplePostings = (matrix: SparseRows, sample: Int32Array) => {
  const starts = new Int32Array(matrix.cols + 1)
  for (const row of sample) for (let p = matrix.offsets[row]; p < matrix.offsets[row + 1]; p++) starts[matrix.indices[p] + 1]++
  for (let j = 0; j < matrix.cols; j++) starts[j + 1] += starts[j]
  const fill = starts.slice(0, matrix.cols)
  const rows = new Int32Array(starts[matrix.cols])
  const values = new Float32Array(starts[matrix.cols])
  sample.forEach((row, s) => {
    for (let p = matrix.offsets[row]; p < matrix.offsets[row + 1]; p++) {
      rows[fill[matrix.indices[p]]] = s
      values[fill[matrix.indices[p]]++] = matrix.values[p]
    }
  })
  return { starts, rows, values }
}

/** k-means++ over a sample: each next centre drawn with probability ∝ its cosine distance² to the nearest centre. */
const kMeansPlusPlus = (matrix: SparseRows, k: number, random: Random, sampleSize: number): Array<SparseVector> => {
  const centres: Array<SparseVector> = []
  const sample = sampleIndices(matrix.rows, sampleSize, random)
  const postings = samplePostings(matrix, sample)
  const nearest = new Float64Array(sample.length).fill(Infinity)
  const dots = new Float64Array(sample.length)
  let chosen = sample[Math.floor(random() * sample.length)]
  for (let c = 0; c < k; c++) {
    // A paper as a centre: a view of its row, which the matrix keeps for the whole clustering.
    const centre = rowOf(matrix, chosen)
    centres.push(centre)
    // The centre's cosine to every sample row through the sample's postings: the cost is the
    // rows sharing its terms, not every row's non-zeros. Each sum adds the same products in the
    // same (column) order as a row-by-row dot product, so the picks are the same.
    dots.fill(0)
    for (let p = 0; p < centre.indices.length; p++) {
      const weight = centre.values[p]
      const column = centre.indices[p]
      for (let q = postings.starts[column]; q < postings.starts[column + 1]; q++) dots[postings.rows[q]] += postings.values[q] * weight
    }
    let total = 0
    for (let s = 0; s < sample.length; s++) {
      const distance = 1 - dots[s]
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
  return centres
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
 * last two run over every paper: a full iteration costs every non-zero × the clusters sharing
 * its term (5.5 s at a million papers), and 20-odd of them would take most of a run. Corpora
 * up to this size (the 10k and 40k benches, every test) take the full-data path unchanged.
 *
 * Two, because the full iterations after the first did not bring the clusters closer to the
 * papers' arXiv categories: on the bench's generated corpora (k = 100), the V-measure after each
 * full iteration was 0.1696, 0.1686, 0.1679, 0.1674, 0.1671 … 0.1674 at the tenth (a million
 * papers, 5.4% then 3.0, 2.3, 2.0 … 1% of them moving) and 0.1709, 0.1697 … 0.1685 at the fifth
 * (200,000, where under 1% moved), while 200,000 papers sorted into `taxonomy/arxiv-cs.yaml`
 * after one, three or five full iterations matched their primary category equally often
 * (accuracy 0.6009 each). The second assigns every paper to centroids made of every paper, as
 * the stored clusters' top terms are. (With two, the keyphrase thread is still collecting
 * through the map; since the map's worker collects its passes' arrays and both threads share one
 * kernel memory, the map peaks no higher than the papers' write: 3.45–3.81 against 3.74–3.89 GB
 * in three million-paper runs.)
 */
const SAMPLE_FIRST_ROWS = 100_000
const SAMPLE_ROWS = 50_000
const FULL_ITERATIONS = 2

const sampleThenFull = (matrix: SparseRows, options: ClusterOptions, random: Random): { clustering: Clustering; cohesion: number } => {
  const sample = subsetRows(matrix, Int32Array.from(sampleIndices(matrix.rows, SAMPLE_ROWS, random)).sort())
  const onIteration = options.onIteration
  const onSample = lloyd(sample, { ...options, onIteration: onIteration && ((iteration, moved) => onIteration(iteration, moved, true)) }, random)
  return lloyd(matrix, { ...options, maxIterations: Math.min(FULL_ITERATIONS, options.maxIterations) }, random, onSample.clustering.centroids)
}

const lloyd = (
  matrix: SparseRows,
  options: ClusterOptions,
  random: Random,
  initial?: ReadonlyArray<SparseVector>
): { clustering: Clustering; cohesion: number } => {
  const { cols, rows } = matrix
  const limit = options.centroidTerms ?? CENTROID_TERMS
  let centroids = initial ?? kMeansPlusPlus(matrix, Math.max(1, Math.min(options.k, rows)), random, options.initSample)
  const k = centroids.length
  const assigner = makeAssigner(matrix, options.worker ?? true)
  const { labels, best } = assigner
  labels.fill(-1)
  const scratch = centroidScratch(cols)
  let iterations = 0
  for (; iterations < options.maxIterations; iterations++) {
    let changed = assigner.assign(centroids)
    centroids = assigner.centroids(k, limit).map((centroid) => {
      if (centroid !== undefined) return centroid
      // An empty cluster takes the paper that fits its own cluster worst.
      let worst = 0
      for (let r = 1; r < rows; r++) if (best[r] < best[worst]) worst = r
      best[worst] = Infinity
      changed++
      return centroidOf(matrix, Int32Array.of(worst), scratch, limit)
    })
    options.onIteration?.(iterations + 1, changed, false)
    // Converged when under 1% of the papers moved. On the 40,000-paper dev set, going on to 0.1%
    // took twice the iterations for a V-measure 0.003 higher (k = 40: 0.247 at 14, 0.250 at 32).
    if (changed <= rows * 0.01) {
      iterations++
      break
    }
  }
  assigner.close()
  return { clustering: relabelBySize(labels, centroids, k, iterations), cohesion: cohesionOf(matrix, labels, centroids, scratch.sums) }
}

/** Total cosine of the rows to their centroids: the restart with the highest wins. */
const cohesionOf = (matrix: SparseRows, labels: Int32Array, centroids: ReadonlyArray<SparseVector>, scratch: Float64Array): number => {
  const { order, start } = rowsByLabel(labels, centroids.length)
  let cohesion = 0
  centroids.forEach((centroid, c) => {
    for (let p = 0; p < centroid.indices.length; p++) scratch[centroid.indices[p]] = centroid.values[p]
    for (let i = start[c]; i < start[c + 1]; i++) cohesion += dotDense(matrix, order[i], scratch)
    for (let p = 0; p < centroid.indices.length; p++) scratch[centroid.indices[p]] = 0
  })
  return cohesion
}

/** Cluster ids by size, largest first (ties by first paper), so ids read the same on every run. */
const relabelBySize = (labels: Int32Array, centroids: ReadonlyArray<SparseVector>, k: number, iterations: number): Clustering => {
  const sizes = new Int32Array(k)
  const firstSeen = new Int32Array(k).fill(labels.length)
  labels.forEach((label, r) => {
    sizes[label]++
    if (firstSeen[label] > r) firstSeen[label] = r
  })
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => sizes[b] - sizes[a] || firstSeen[a] - firstSeen[b])
  const newId = new Int32Array(k)
  order.forEach((old, id) => (newId[old] = id))
  return {
    k,
    labels: labels.map((label) => newId[label]),
    centroids: order.map((old) => centroids[old]),
    sizes: Int32Array.from(order, (old) => sizes[old]),
    iterations
  }
}
