import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { candidateKs, chooseK } from "../pipeline/chooseK.ts"
import { kMeans } from "../pipeline/cluster.ts"
import { nthSmallest } from "../pipeline/nthSmallest.ts"
import { seededRandom } from "../pipeline/random.ts"
import { DEFAULT_VECTORIZE, fitTransform } from "../pipeline/vectorize.ts"
import { samplePapers } from "./fixtures-helpers.ts"

const sample = () => {
  const papers = samplePapers()
  return { papers, ...fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 2, keepTerms: new Set() }) }
}

describe("cluster", () => {
  it.effect("on a large dump, reports its iterations on a sample first, then on every paper", () =>
    Effect.gen(function*() {
      // 120,000 one-term rows over 6 terms: above the size at which k-means starts on a sample.
      const rows = 120_000
      const matrix = {
        rows,
        cols: 6,
        offsets: Int32Array.from({ length: rows + 1 }, (_, r) => r),
        indices: Int32Array.from({ length: rows }, (_, r) => r % 6),
        values: new Float32Array(rows).fill(1)
      }
      const phases: Array<string> = []
      const clustering = kMeans(matrix, {
        k: 6, seed: 1, maxIterations: 10, initSample: 500, restarts: 1, worker: false,
        onIteration: (iteration, _moved, onSample) => phases.push(`${onSample ? "sample" : "all"} ${iteration}`)
      })
      assert.strictEqual(phases[0], "sample 1")
      const firstOnAll = phases.indexOf("all 1")
      assert.isAbove(firstOnAll, 0)
      assert.isTrue(phases.slice(0, firstOnAll).every((phase) => phase.startsWith("sample")))
      assert.isTrue(phases.slice(firstOnAll).every((phase) => phase.startsWith("all")))
      assert.strictEqual(clustering.sizes.reduce((a, b) => a + b, 0), rows)
    }))

  it.effect("gives the same clusters for the same seed, ordered by size", () =>
    Effect.gen(function*() {
      const { matrix } = sample()
      const first = kMeans(matrix, { k: 8, seed: 42, maxIterations: 50, initSample: 1000, restarts: 3 })
      const again = kMeans(matrix, { k: 8, seed: 42, maxIterations: 50, initSample: 1000, restarts: 3 })
      assert.deepStrictEqual(Array.from(first.labels), Array.from(again.labels))
      assert.strictEqual(first.sizes.reduce((a, b) => a + b, 0), 91)
      for (let c = 1; c < first.k; c++) assert.isAtLeast(first.sizes[c - 1], first.sizes[c])
      assert.isTrue(first.sizes.every((size) => size > 0), "no empty cluster")
    }))

  it.effect("puts papers on the same narrow subject together", () =>
    Effect.gen(function*() {
      const subjects = {
        speech: [
          "Streaming speech recognition with transducers. We train an automatic speech recognition model on spoken audio and reduce word error rate.",
          "Multilingual speech recognition for low-resource languages. Spoken audio transcription with a speech encoder improves word error rate.",
          "Noise-robust speech recognition. Audio augmentation makes the speech recognition model transcribe spoken words with lower word error rate."
        ],
        robots: [
          "Robot grasping with tactile sensing. A robot arm learns manipulation policies for grasping objects from tactile feedback.",
          "Dexterous robot manipulation from demonstrations. The robot arm imitates grasping and manipulation of household objects.",
          "Sim-to-real transfer for robot manipulation. Policies trained in simulation let a robot arm grasp unseen objects."
        ],
        proteins: [
          "Protein structure prediction with language models. We predict protein folding and protein structure from amino acid sequences.",
          "Designing protein binders. A generative model proposes amino acid sequences whose protein structure binds a target.",
          "Protein function annotation. Amino acid sequences and predicted protein structure reveal protein function."
        ]
      }
      const papers = Object.values(subjects).flat().map((text, i) => {
        const [title, abstract] = text.split(/(?<=\.) /)
        return { ...samplePapers()[0], paperId: `p${i}`, title, abstract }
      })
      const { matrix } = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 1, keepTerms: new Set() })
      for (const seed of [1, 2, 3, 42]) {
        const { labels } = kMeans(matrix, { k: 3, seed, maxIterations: 50, initSample: 1000, restarts: 3 })
        const groups = [0, 3, 6].map((start) => new Set(Array.from(labels.subarray(start, start + 3))))
        assert.isTrue(groups.every((group) => group.size === 1), `seed ${seed}: ${Array.from(labels).join(",")}`)
        assert.strictEqual(new Set(groups.map((group) => [...group][0])).size, 3)
      }
    }))

  it.effect("k auto picks the candidate with the best silhouette", () =>
    Effect.gen(function*() {
      const { matrix } = sample()
      const choice = chooseK(matrix, 42)
      assert.deepStrictEqual(choice.scores.map(({ k }) => k), candidateKs(91))
      const best = Math.max(...choice.scores.map(({ silhouette }) => silhouette))
      assert.strictEqual(choice.scores.find(({ k }) => k === choice.k)?.silhouette, best)
    }))

  it.effect("finds the value a sort puts at a position, ties and repeats included", () =>
    Effect.gen(function*() {
      const random = seededRandom(3)
      for (let trial = 0; trial < 500; trial++) {
        const n = 1 + Math.floor(random() * 300)
        const values = Float64Array.from({ length: n }, () => (random() < 0.3 ? Math.floor(random() * 5) : random()))
        const nth = Math.floor(random() * n)
        assert.strictEqual(nthSmallest(values.slice(), nth), values.slice().sort()[nth], `n ${n}, nth ${nth}`)
      }
    }))
})
