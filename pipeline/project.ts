/**
 * The report's map: every paper's TF-IDF row projected onto the first two
 * principal components of the dump, scaled to [-1, 1].
 *
 * PCA by randomized subspace iteration (Halko, Martinsson & Tropp 2011, alg. 4.4)
 * on the centred matrix C = X − 1·μᵀ, never formed: C·v = X·v − (μ·v)·1 and
 * Cᵀ·u = Xᵀ·u − μ·(1ᵀu), so a sparse row stays sparse. Two passes over the
 * non-zeros per iteration compute C·Q and Cᵀ(C·Q); a 1M-paper dump costs a few
 * passes over its non-zeros, a d × BLOCK basis and an n × BLOCK block.
 * Pure and deterministic: the only randomness is the start basis, drawn from `seed`.
 */
import { packWeights, termsByFrequency } from "./kernels/packedWeights.ts"
import { RowKernels } from "./kernels/rowKernels.ts"
import { type Random, seededRandom } from "./random.ts"
import { evenlySpacedRows, type SparseRows, subsetRows } from "./vectorize.ts"

export interface Projection {
  /** First principal component of each paper (row order of the matrix), in [-1, 1]. */
  readonly x: Float32Array
  /** Second principal component, in [-1, 1]. */
  readonly y: Float32Array
}

const COMPONENTS = 2
/**
 * Two components plus two of oversampling: with power iterations a small margin suffices
 * (Halko et al. §4.5); four lanes are one SIMD vector of the row kernels.
 */
const BLOCK = 4
/** Passes over the non-zeros at most; TF-IDF spectra decay slowly, so a few more than the textbook 2–3. */
const MAX_ITERATIONS = 12
/** Stop once the two leading Ritz values move less than this (relative): the map cannot show a smaller change. */
const TOLERANCE = 1e-6

/** Standard normal draws (Box–Muller) from the seeded generator. */
const gaussian = (random: Random): number => {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/**
 * Orthonormal columns of a d × k matrix stored row-major (`q[j * k + c]`), by
 * modified Gram–Schmidt done twice ("twice is enough", Giraud et al. 2005). A column
 * that vanishes (the data has fewer than k directions) is redrawn at random.
 */
const orthonormalize = (q: Float64Array, d: number, k: number, random: Random): void => {
  for (let c = 0; c < k; c++) {
    for (let attempt = 0; ; attempt++) {
      let before = 0
      for (let j = 0; j < d; j++) before += q[j * k + c] ** 2
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < c; b++) {
          let dot = 0
          for (let j = 0; j < d; j++) dot += q[j * k + c] * q[j * k + b]
          for (let j = 0; j < d; j++) q[j * k + c] -= dot * q[j * k + b]
        }
      }
      let norm = 0
      for (let j = 0; j < d; j++) norm += q[j * k + c] ** 2
      norm = Math.sqrt(norm)
      if (norm > 1e-10 * Math.sqrt(before) && norm > 0) {
        for (let j = 0; j < d; j++) q[j * k + c] /= norm
        break
      }
      if (attempt > 3) {
        // d < k: no direction is left; a zero column only adds zero-variance Ritz pairs.
        for (let j = 0; j < d; j++) q[j * k + c] = 0
        break
      }
      for (let j = 0; j < d; j++) q[j * k + c] = gaussian(random)
    }
  }
}

/** Eigenpairs of a small symmetric k × k matrix by cyclic Jacobi rotations, largest first. */
const symmetricEigen = (matrix: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } => {
  const a = Float64Array.from(matrix)
  const v = new Float64Array(k * k)
  for (let i = 0; i < k; i++) v[i * k + i] = 1
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0
    for (let p = 0; p < k; p++) for (let r = p + 1; r < k; r++) off += a[p * k + r] ** 2
    if (off < 1e-30) break
    for (let p = 0; p < k; p++) {
      for (let r = p + 1; r < k; r++) {
        const apr = a[p * k + r]
        if (Math.abs(apr) < 1e-300) continue
        const theta = (a[r * k + r] - a[p * k + p]) / (2 * apr)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const cos = 1 / Math.sqrt(t * t + 1)
        const sin = t * cos
        for (let i = 0; i < k; i++) {
          const aip = a[i * k + p]
          const air = a[i * k + r]
          a[i * k + p] = cos * aip - sin * air
          a[i * k + r] = sin * aip + cos * air
        }
        for (let i = 0; i < k; i++) {
          const api = a[p * k + i]
          const ari = a[r * k + i]
          a[p * k + i] = cos * api - sin * ari
          a[r * k + i] = sin * api + cos * ari
        }
        for (let i = 0; i < k; i++) {
          const vip = v[i * k + p]
          const vir = v[i * k + r]
          v[i * k + p] = cos * vip - sin * vir
          v[i * k + r] = sin * vip + cos * vir
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((i, j) => a[j * k + j] - a[i * k + i] || i - j)
  const values = Float64Array.from(order, (i) => a[i * k + i])
  const vectors = new Float64Array(k * k)
  order.forEach((from, to) => {
    for (let i = 0; i < k; i++) vectors[i * k + to] = v[i * k + from]
  })
  return { values, vectors }
}

/** Papers the components are fitted on at most. */
const FIT_ROWS = 20_000

/** Affine map of `values` onto [-1, 1]; a constant axis (one paper, no spread) becomes 0. */
const scaleToUnit = (values: Float64Array): Float32Array => {
  let min = Infinity
  let max = -Infinity
  for (const value of values) {
    if (value < min) min = value
    if (value > max) max = value
  }
  const out = new Float32Array(values.length)
  const range = max - min
  if (!(range > 1e-12 * Math.max(1, Math.abs(max), Math.abs(min)))) return out
  for (let i = 0; i < values.length; i++) out[i] = Math.min(1, Math.max(-1, (2 * (values[i] - min)) / range - 1))
  return out
}

/**
 * 2-D coordinates of each row of `matrix` for the report's map: the first two
 * principal components of the centred rows. Each axis is scaled on its own so that
 * its smallest value is -1 and its largest 1 (the map fills its frame); signs are
 * fixed so that each axis's longer tail points to the positive side, so the picture
 * does not flip between seeds. Time and memory are linear in the non-zeros.
 */
export const projectPapers = (all: SparseRows, seed: number, fitRows = FIT_ROWS): Projection => {
  if (all.rows < 2 || all.cols === 0) return { x: new Float32Array(all.rows), y: new Float32Array(all.rows) }
  // The components are fitted on an even spread of at most `fitRows` papers, then every paper is
  // projected once: each iteration reads the basis at random (a non-zero's column), and once the
  // vocabulary's basis outgrows the cache that cost 102 s at a million papers.
  const sample = evenlySpacedRows(all.rows, fitRows)
  const matrix = sample.length === all.rows ? all : subsetRows(all, sample)
  const { rows: n, cols: d, offsets, indices, values } = matrix
  const k = BLOCK
  const random = seededRandom(seed)

  const mean = new Float64Array(d)
  for (let p = offsets[0]; p < offsets[n]; p++) mean[indices[p]] += values[p]
  for (let j = 0; j < d; j++) mean[j] /= n

  let basis = new Float64Array(d * k)
  for (let i = 0; i < basis.length; i++) basis[i] = gaussian(random)
  orthonormalize(basis, d, k, random)

  // The two products of an iteration run on the SIMD row kernels (kernels/rowKernels.ts), four
  // lanes per non-zero: C · basis is the rows scored against the basis with -μ · basis as bias,
  // and Xᵀ (C · basis) the counts with that block as the weights. In f32, like the map's passes;
  // at 40,000 papers the scalar f64 loops took 0.8–1.1 s.
  const kernels = new RowKernels()
  const order = termsByFrequency(matrix)
  const block = new Float32Array(n * k) // C · basis
  let next = new Float64Array(d * k) // Cᵀ · C · basis
  const meanDot = new Float64Array(k)
  const bias = new Float64Array(k)
  const blockSum = new Float64Array(k)
  const gram = new Float64Array(k * k) // (C·basis)ᵀ (C·basis): its eigenpairs are the Ritz pairs
  let previous = new Float64Array(COMPONENTS)
  let eigen = symmetricEigen(gram, k)
  let packed = packWeights(Float32Array.from(basis), k, order)

  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    meanDot.fill(0)
    for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) meanDot[c] += mean[j] * basis[j * k + c]
    for (let c = 0; c < k; c++) bias[c] = -meanDot[c]
    kernels.score(matrix, packed, 0, n, block, bias)
    next.fill(0)
    kernels.count(matrix, block, k, 0, k, order, next, Number.MIN_VALUE)
    blockSum.fill(0)
    gram.fill(0)
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < k; c++) {
        blockSum[c] += block[r * k + c]
        for (let b = c; b < k; b++) gram[c * k + b] += block[r * k + c] * block[r * k + b]
      }
    }
    for (let c = 0; c < k; c++) for (let b = 0; b < c; b++) gram[c * k + b] = gram[b * k + c]
    // The mean's share of Cᵀ u, subtracted once for all rows.
    for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) next[j * k + c] -= mean[j] * blockSum[c]

    eigen = symmetricEigen(gram, k)
    const leading = eigen.values.subarray(0, COMPONENTS)
    const settled = iteration > 0 && leading.every((value, c) => Math.abs(value - previous[c]) <= TOLERANCE * Math.max(value, 1e-30))
    previous = Float64Array.from(leading)
    if (settled || iteration === MAX_ITERATIONS - 1) break
    const swap = basis
    basis = next
    next = swap
    orthonormalize(basis, d, k, random)
    packed = packWeights(Float32Array.from(basis), k, order)
  }

  // Every paper's coordinates in the last basis (the fitted rows' are in `block` already).
  let projected = block
  if (matrix !== all) {
    projected = new Float32Array(all.rows * k)
    kernels.score(all, packed, 0, all.rows, projected, bias)
  }
  // Rayleigh–Ritz: the leading eigenvectors of the small Gram matrix rotate `block` onto the components.
  const axes = Array.from({ length: COMPONENTS }, (_, component) => {
    const out = new Float64Array(all.rows)
    for (let r = 0; r < all.rows; r++) {
      let sum = 0
      for (let c = 0; c < k; c++) sum += projected[r * k + c] * eigen.vectors[c * k + component]
      out[r] = sum
    }
    let skew = 0
    for (const value of out) skew += value * value * value
    if (skew < 0) for (let r = 0; r < out.length; r++) out[r] = -out[r]
    return out
  })
  return { x: scaleToUnit(axes[0]), y: scaleToUnit(axes[1]) }
}
