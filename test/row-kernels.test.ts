/**
 * The SIMD row kernels against the plain sums they stand for, on sparse rows with odd class
 * counts (padding lanes), rows longer than a chunk and terms no class weighs; and the
 * committed binary against its source.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { compileKernels, KERNELS_BINARY } from "../pipeline/kernels/build.ts"
import { packVectors, packWeights, termsByFrequency } from "../pipeline/kernels/packedWeights.ts"
import { kernelMemory, RowKernels } from "../pipeline/kernels/rowKernels.ts"
import { seededRandom } from "../pipeline/random.ts"
import type { SparseRows } from "../pipeline/vectorize.ts"

/** `rows` random sparse rows over `cols` columns, row r holding up to `maxPerRow` non-zeros; one row of 300,000. */
const randomRows = (rows: number, cols: number, maxPerRow: number, seed: number): SparseRows => {
  const random = seededRandom(seed)
  const offsets = [0]
  const indices: Array<number> = []
  const values: Array<number> = []
  for (let r = 0; r < rows; r++) {
    const count = r === 7 ? 300_000 : Math.floor(random() * maxPerRow)
    const columns = r === 7 ? Array.from({ length: count }, (_, i) => i % cols) : [...new Set(Array.from({ length: count }, () => Math.floor(cols * random() ** 2)))].sort((a, b) => a - b)
    for (const column of columns) {
      indices.push(column)
      values.push(random())
    }
    offsets.push(indices.length)
  }
  return { rows, cols, offsets: Int32Array.from(offsets), indices: Int32Array.from(indices), values: Float32Array.from(values) }
}

/** Σ_t x[r, t] · weights[t, k] in float64, the kernel's exact answer up to float32 rounding. */
const plainScores = (matrix: SparseRows, weights: Float32Array, K: number): Float64Array => {
  const out = new Float64Array(matrix.rows * K)
  for (let r = 0; r < matrix.rows; r++) {
    for (let p = matrix.offsets[r]; p < matrix.offsets[r + 1]; p++) {
      for (let k = 0; k < K; k++) out[r * K + k] += matrix.values[p] * weights[matrix.indices[p] * K + k]
    }
  }
  return out
}

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number) => {
  assert.strictEqual(actual.length, expected.length)
  let worst = 0
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])))
  assert.isBelow(worst, tolerance)
}

describe("SIMD row kernels", () => {
  it.effect("rowKernels.wasm is what rowKernels.wat compiles to (npm run build:kernels)", () =>
    Effect.gen(function*() {
      const compiled = yield* Effect.promise(() => compileKernels())
      assert.deepStrictEqual(Array.from(readFileSync(KERNELS_BINARY)), Array.from(compiled))
    }))

  it.effect("a pass over no classes writes nothing (a split of one class leaves the worker none)", () =>
    Effect.gen(function*() {
      const memory = kernelMemory()
      const kernels = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(KERNELS_BINARY)), { env: { memory } }).exports as unknown as {
        score_rows(...args: Array<number>): void
        count_rows(...args: Array<number>): void
      }
      const ints = new Int32Array(memory.buffer)
      const floats = new Float32Array(memory.buffer)
      // One row with one non-zero (term 0, weight 1): offsets at 0, indices at 8, values at 12,
      // the term's row address at 16, a row of weights (or posteriors) at 128; 64 … 127 is a sentinel.
      ints.set([0, 1, 0], 0)
      floats[3] = 1
      ints[4] = 64
      floats.fill(1, 32, 48)
      floats.fill(7, 16, 32)
      kernels.count_rows(1, 0, 8, 12, 16, 0, 128)
      kernels.score_rows(1, 0, 8, 12, 16, 0, 64)
      assert.deepStrictEqual(Array.from(floats.subarray(16, 32)), Array(16).fill(7))
      // With four lanes the same count adds the row's posteriors to the term's counts.
      kernels.count_rows(1, 0, 8, 12, 16, 4, 128)
      assert.deepStrictEqual(Array.from(floats.subarray(16, 24)), [8, 8, 8, 8, 7, 7, 7, 7])
    }))

  it.effect("scores rows as the plain sums do, for class counts that fill no whole vector", () =>
    Effect.gen(function*() {
      const matrix = randomRows(3_000, 500, 40, 3)
      const order = termsByFrequency(matrix)
      const kernels = new RowKernels()
      for (const K of [1, 3, 7, 13]) {
        const random = seededRandom(K)
        // A third of the terms weigh nothing for any class: they are left out of the packing.
        const weights = Float32Array.from({ length: matrix.cols * K }, (_, i) => (Math.floor(i / K) % 3 === 0 ? 0 : random() - 0.3))
        const bias = Array.from({ length: K }, (_, k) => k / 10)
        const out = new Float32Array(matrix.rows * K)
        kernels.score(matrix, packWeights(weights, K, order), 0, matrix.rows, out, bias)
        const expected = plainScores(matrix, weights, K).map((value, i) => value + bias[i % K])
        assertClose(out, expected, 1e-4)
        // A range of rows writes those rows only, with the same numbers as the whole pass.
        const part = new Float32Array(matrix.rows * K)
        kernels.score(matrix, packWeights(weights, K, order), 1_000, 2_000, part, bias)
        assert.deepStrictEqual(Array.from(part.subarray(1_000 * K, 2_000 * K)), Array.from(out.subarray(1_000 * K, 2_000 * K)))
        assert.isTrue(part.subarray(0, 1_000 * K).every((value) => value === 0) && part.subarray(2_000 * K).every((value) => value === 0))
      }
    }))

  it.effect("orders terms by how many rows use them, ties by column", () =>
    Effect.gen(function*() {
      const random = seededRandom(4)
      for (let trial = 0; trial < 20; trial++) {
        const cols = 1 + Math.floor(random() * 300)
        const indices = Int32Array.from({ length: Math.floor(random() * 3_000) }, () => Math.floor(cols * random() ** 3))
        const counts = new Int32Array(cols)
        for (const column of indices) counts[column]++
        const sorted = Array.from({ length: cols }, (_, t) => t).sort((a, b) => counts[b] - counts[a] || a - b)
        assert.deepStrictEqual(Array.from(termsByFrequency({ cols, indices })), sorted)
      }
    }))

  it.effect("scores sparse centroids as their dense weights", () =>
    Effect.gen(function*() {
      const matrix = randomRows(500, 300, 30, 5)
      const random = seededRandom(9)
      const vectors = Array.from({ length: 6 }, () => {
        const indices = Int32Array.from(new Set(Array.from({ length: 40 }, () => Math.floor(random() * 300)))).sort()
        return { indices, values: Float32Array.from(indices, () => random()) }
      })
      const dense = new Float32Array(300 * 6)
      vectors.forEach((vector, k) => vector.indices.forEach((t, p) => (dense[t * 6 + k] = vector.values[p])))
      const order = termsByFrequency(matrix)
      const fromVectors = new Float32Array(500 * 6)
      const fromDense = new Float32Array(500 * 6)
      new RowKernels().score(matrix, packVectors(vectors, order), 0, 500, fromVectors)
      new RowKernels().score(matrix, packWeights(dense, 6, order), 0, 500, fromDense)
      assert.deepStrictEqual(Array.from(fromVectors), Array.from(fromDense))
      assertClose(fromVectors, plainScores(matrix, dense, 6), 1e-4)
    }))

  it.effect("counts classes per term as the plain sums do, the same whether split by class or not", () =>
    Effect.gen(function*() {
      const matrix = randomRows(3_000, 500, 40, 4)
      const K = 9
      const random = seededRandom(1)
      const posterior = Float32Array.from({ length: matrix.rows * K }, () => (random() < 0.2 ? 1e-5 : random()))
      const order = termsByFrequency(matrix)
      const whole = new Float64Array(matrix.cols * K)
      new RowKernels().count(matrix, posterior, K, 0, K, order, whole)
      const split = new Float64Array(matrix.cols * K)
      new RowKernels().count(matrix, posterior, K, 0, 5, order, split)
      new RowKernels().count(matrix, posterior, K, 5, K, order, split)
      assert.deepStrictEqual(Array.from(split), Array.from(whole))
      // An empty class range (a split of one class) adds nothing.
      new RowKernels().count(matrix, posterior, K, 5, 5, order, split)
      assert.deepStrictEqual(Array.from(split), Array.from(whole))
      const expected = new Float64Array(matrix.cols * K)
      for (let r = 0; r < matrix.rows; r++) {
        for (let p = matrix.offsets[r]; p < matrix.offsets[r + 1]; p++) {
          for (let k = 0; k < K; k++) {
            const weight = posterior[r * K + k]
            // Posteriors under 1e-4 are left out.
            if (weight >= 1e-4) expected[matrix.indices[p] * K + k] += weight * matrix.values[p]
          }
        }
      }
      assertClose(whole, expected, 1e-3)
    }))
})
