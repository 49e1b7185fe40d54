import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import type { Paper } from "../pipeline/domain.ts"
import { parseText } from "../pipeline/parse/index.ts"
import { projectPapers } from "../pipeline/project.ts"
import { projectInBackground } from "../pipeline/projectBackground.ts"
import { DEFAULT_VECTORIZE, fitTransform, type SparseRows } from "../pipeline/vectorize.ts"
import { samplePapers } from "./fixtures-helpers.ts"

/** Real arXiv abstracts of three subjects far apart, picked by title from the 100-entry API sample. */
const SUBJECTS: Record<string, ReadonlyArray<string>> = {
  video: ["JoVA:", "LongVie 2:", "Seedance 1.5 pro:", "Transform Trained Transformer:", "PoseAnything:"],
  security: ["SEDULity:", "Certified-Everlasting Quantum NIZK", "QoeSiGN:", "Weak Enforcement and Low Compliance in PCI"],
  medical: ["DBT-DINO", "Pancakes:", "Self-Supervised Ultrasound", "IMILIA:", "DA-SSL:"]
}

const subjectPapers = (): { papers: Array<Paper>; subject: Array<string> } => {
  const text = readFileSync(new URL("fixtures/arxiv-api-100.xml", import.meta.url), "utf8")
  const all = Effect.runSync(parseText(text, "arxiv-api-100.xml", { format: "arxiv-atom", skipBadLines: false })).papers
  const papers: Array<Paper> = []
  const subject: Array<string> = []
  for (const [name, starts] of Object.entries(SUBJECTS)) {
    for (const start of starts) {
      const paper = all.find((candidate) => candidate.title.startsWith(start))
      if (paper === undefined) throw new Error(`no paper starts with ${start}`)
      papers.push(paper)
      subject.push(name)
    }
  }
  return { papers, subject }
}

/** Pearson correlation of two coordinate arrays. */
const correlation = (a: Float32Array, b: Float32Array) => {
  const mean = (v: Float32Array) => v.reduce((sum, value) => sum + value, 0) / v.length
  const ma = mean(a)
  const mb = mean(b)
  let ab = 0
  let aa = 0
  let bb = 0
  for (let i = 0; i < a.length; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2)
  return ab / Math.sqrt(aa * bb)
}

const vectorize = (papers: ReadonlyArray<Paper>): SparseRows =>
  fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 2, maxDf: 0.5, keepTerms: new Set() }).matrix

describe("project", () => {
  it.effect("puts papers of one subject closer together on the map than papers of different subjects", () =>
    Effect.sync(() => {
      const { papers, subject } = subjectPapers()
      const { x, y } = projectPapers(vectorize(papers), 42)
      let same = 0
      let sameCount = 0
      let different = 0
      let differentCount = 0
      for (let i = 0; i < papers.length; i++) {
        for (let j = i + 1; j < papers.length; j++) {
          const distance = Math.hypot(x[i] - x[j], y[i] - y[j])
          if (subject[i] === subject[j]) (same += distance), sameCount++
          else (different += distance), differentCount++
        }
      }
      const meanSame = same / sameCount
      const meanDifferent = different / differentCount
      assert.isBelow(meanSame, meanDifferent / 3, `within ${meanSame.toFixed(3)}, across ${meanDifferent.toFixed(3)}`)
      // Each paper's nearest neighbour on the map is on its own subject.
      for (let i = 0; i < papers.length; i++) {
        let nearest = -1
        let best = Infinity
        for (let j = 0; j < papers.length; j++) {
          const distance = Math.hypot(x[i] - x[j], y[i] - y[j])
          if (j !== i && distance < best) (best = distance), (nearest = j)
        }
        assert.strictEqual(subject[nearest], subject[i], `nearest to "${papers[i].title}" is "${papers[nearest].title}"`)
      }
    }))

  it.effect("gives the same coordinates for the same seed, scaled to [-1, 1] on both axes", () =>
    Effect.sync(() => {
      const matrix = vectorize(samplePapers())
      const first = projectPapers(matrix, 42)
      const again = projectPapers(matrix, 42)
      assert.deepStrictEqual(Array.from(first.x), Array.from(again.x))
      assert.deepStrictEqual(Array.from(first.y), Array.from(again.y))
      assert.strictEqual(first.x.length, 91)
      for (const axis of [first.x, first.y]) {
        assert.strictEqual(Math.min(...axis), -1)
        assert.strictEqual(Math.max(...axis), 1)
      }
      // Another seed finds the same two components: the picture does not flip or rotate.
      const other = projectPapers(matrix, 7)
      assert.isAbove(correlation(first.x, other.x), 0.99)
      assert.isAbove(correlation(first.y, other.y), 0.95)
    }))

  it.effect("gives the same coordinates on a second thread as in line", () =>
    Effect.gen(function*() {
      // The sample's rows 60 times over: enough rows (5,460) for the worker to be used.
      const one = vectorize(samplePapers())
      const copies = 60
      const nonZeros = one.offsets[one.rows]
      const offsets = new Int32Array(one.rows * copies + 1)
      const indices = new Int32Array(nonZeros * copies)
      const values = new Float32Array(nonZeros * copies)
      for (let c = 0; c < copies; c++) {
        for (let r = 0; r < one.rows; r++) offsets[c * one.rows + r + 1] = c * nonZeros + one.offsets[r + 1]
        indices.set(one.indices.subarray(0, nonZeros), c * nonZeros)
        values.set(one.values.subarray(0, nonZeros), c * nonZeros)
      }
      const matrix: SparseRows = { rows: one.rows * copies, cols: one.cols, offsets, indices, values }
      const inLine = projectPapers(matrix, 42)
      const background = yield* Effect.promise(() => projectInBackground(matrix, 42))
      assert.deepStrictEqual(Array.from(background.x), Array.from(inLine.x))
      assert.deepStrictEqual(Array.from(background.y), Array.from(inLine.y))
    }))

  it.effect("matches the leading principal components of the dense centred matrix", () =>
    Effect.sync(() => {
      const { papers } = subjectPapers()
      const matrix = vectorize(papers)
      const { rows: n, cols: d } = matrix
      // Reference: dense centred rows, Gram matrix, power iteration with deflation.
      const dense = Array.from({ length: n }, (_, r) => {
        const row = new Float64Array(d)
        for (let p = matrix.offsets[r]; p < matrix.offsets[r + 1]; p++) row[matrix.indices[p]] = matrix.values[p]
        return row
      })
      const mean = new Float64Array(d)
      for (const row of dense) for (let j = 0; j < d; j++) mean[j] += row[j] / n
      for (const row of dense) for (let j = 0; j < d; j++) row[j] -= mean[j]
      const gram = dense.map((a) => dense.map((b) => a.reduce((sum, value, j) => sum + value * b[j], 0)))
      const leading = (deflate: ReadonlyArray<Array<number>>) => {
        let v = Array.from({ length: n }, (_, i) => Math.sin(i + 1))
        for (let iteration = 0; iteration < 2000; iteration++) {
          let w = gram.map((row) => row.reduce((sum, g, j) => sum + g * v[j], 0))
          for (const u of deflate) {
            const dot = u.reduce((sum, value, i) => sum + value * w[i], 0)
            w = w.map((value, i) => value - dot * u[i])
          }
          const norm = Math.hypot(...w)
          v = w.map((value) => value / norm)
        }
        return v
      }
      const first = leading([])
      const second = leading([first])
      const { x, y } = projectPapers(matrix, 42)
      const absCorrelation = (a: Float32Array, b: ReadonlyArray<number>) => {
        const ma = a.reduce((sum, value) => sum + value, 0) / n
        const mb = b.reduce((sum, value) => sum + value, 0) / n
        let ab = 0
        let aa = 0
        let bb = 0
        for (let i = 0; i < n; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2)
        return Math.abs(ab / Math.sqrt(aa * bb))
      }
      assert.isAbove(absCorrelation(x, first), 0.999)
      assert.isAbove(absCorrelation(y, second), 0.99)
    }))

  it.effect("handles the degenerate inputs: no papers, one paper, no terms", () =>
    Effect.sync(() => {
      const empty = { rows: 0, cols: 0, offsets: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) }
      assert.strictEqual(projectPapers(empty, 1).x.length, 0)
      const one = { rows: 1, cols: 2, offsets: Int32Array.of(0, 2), indices: Int32Array.of(0, 1), values: Float32Array.of(0.6, 0.8) }
      assert.deepStrictEqual(Array.from(projectPapers(one, 1).x), [0])
      // Two papers, one term: one direction of spread, the second axis stays 0.
      const line = { rows: 3, cols: 1, offsets: Int32Array.of(0, 1, 1, 2), indices: Int32Array.of(0, 0), values: Float32Array.of(1, 0.5) }
      const projected = projectPapers(line, 1)
      assert.deepStrictEqual(Array.from(projected.y), [0, 0, 0])
      assert.sameMembers(Array.from(projected.x), [1, -1, 0])
    }))

  it.effect("places papers much the same when the components are fitted on a sample of them", () =>
    Effect.sync(() => {
      const { papers, subject } = subjectPapers()
      // Each paper six times over, so that a third of the rows is a fair sample.
      const matrix = vectorize(Array.from({ length: 6 }, () => papers).flat())
      const full = projectPapers(matrix, 42)
      const sampled = projectPapers(matrix, 42, Math.ceil(matrix.rows / 3))
      assert.isAbove(correlation(full.x, sampled.x), 0.99)
      assert.isAbove(correlation(full.y, sampled.y), 0.99)
      assert.strictEqual(sampled.x.length, subject.length * 6)
    }))
})
