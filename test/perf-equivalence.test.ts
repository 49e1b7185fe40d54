/**
 * The speed-ups of keyphrases, vectorize and cluster must not change a result: the memoised
 * tagger against natural's own, the worker-thread assignment against the single-thread one,
 * the keyphrases of the background thread against the in-line ones, the map's two-thread
 * scoring passes against the in-line ones.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { createRequire } from "node:module"
import { kMeans } from "../pipeline/cluster.ts"
import { collectGarbageNow } from "../pipeline/collectGarbage.ts"
import { softmaxRows } from "../pipeline/dataless.ts"
import { IN_LINE, scoreRows } from "../pipeline/rowScores.ts"
import { twoThreadScoring } from "../pipeline/scoring.ts"
import { extractKeyphrases, tagTokens } from "../pipeline/keyphrases.ts"
import { dedupePapers } from "../pipeline/dedupe.ts"
import { earlyKeyphrases, keyphrasesInBackground, sameSources } from "../pipeline/keyphrasesBackground.ts"
import { seededRandom } from "../pipeline/random.ts"
import type { SparseRows } from "../pipeline/vectorize.ts"
import { samplePapers } from "./fixtures-helpers.ts"

const require = createRequire(import.meta.url)
const brill = require("natural/lib/natural/brill_pos_tagger")

/** Unit rows over a Zipf-like vocabulary around a few topics: enough non-zeros (≥ 1M) to start the worker. */
const syntheticMatrix = (rows: number, perRow: number, cols: number): SparseRows => {
  const random = seededRandom(5)
  const offsets = new Int32Array(rows + 1)
  const indices = new Int32Array(rows * perRow)
  const values = new Float32Array(rows * perRow)
  for (let r = 0; r < rows; r++) {
    const topic = r % 12
    const columns = new Set<number>()
    while (columns.size < perRow) {
      const rank = Math.floor(cols * random() ** 3)
      columns.add(random() < 0.5 ? (rank + topic * 997) % cols : rank)
    }
    const sorted = [...columns].sort((a, b) => a - b)
    let norm = 0
    const weights = sorted.map(() => {
      const w = 0.2 + random()
      norm += w * w
      return w
    })
    sorted.forEach((column, i) => {
      indices[r * perRow + i] = column
      values[r * perRow + i] = weights[i] / Math.sqrt(norm)
    })
    offsets[r + 1] = (r + 1) * perRow
  }
  return { rows, cols, offsets, indices, values }
}

describe("speed-ups keep the results", () => {
  it.effect("tags every sentence of the sample as natural's Brill tagger does", () =>
    Effect.gen(function*() {
      const tagger = new brill.BrillPOSTagger(new brill.Lexicon("EN", "N", "NNP"), new brill.RuleSet("EN"))
      let sentences = 0
      for (const paper of samplePapers()) {
        for (const sentence of `${paper.title}. ${paper.abstract} It would work. The used data.`.split(/(?<=[.!?])\s+/)) {
          const tokens = sentence.match(/[A-Za-z0-9][A-Za-z0-9'-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]/g) ?? []
          if (tokens.length === 0) continue
          const expected = tagger.tag(tokens).taggedWords.map((word: { tag: string }) => word.tag)
          assert.deepStrictEqual(tagTokens(tokens).map((word) => word.tag), expected, sentence)
          sentences++
        }
      }
      assert.isAbove(sentences, 500)
    }))

  it.effect("labels a million non-zeros the same on one thread and on two", () =>
    Effect.gen(function*() {
      const matrix = syntheticMatrix(12_000, 90, 20_000)
      const options = { k: 12, seed: 42, maxIterations: 6, initSample: 2_000, restarts: 1 }
      const single = kMeans(matrix, { ...options, worker: false })
      const threaded = kMeans(matrix, { ...options, worker: true })
      assert.strictEqual(threaded.iterations, single.iterations)
      assert.deepStrictEqual(Array.from(threaded.labels), Array.from(single.labels))
      assert.deepStrictEqual(threaded.centroids.map((c) => [Array.from(c.indices), Array.from(c.values)]), single.centroids.map((c) => [Array.from(c.indices), Array.from(c.values)]))
    }), 60_000)

  it.effect("extracts the same keyphrases on the background thread as in line", () =>
    Effect.gen(function*() {
      // 5,460 papers: enough to start the worker; each copy's title is its own, so the idf varies.
      const papers = Array.from({ length: 60 }, (_, copy) => samplePapers().map((paper) => ({ ...paper, title: `${paper.title} ${copy % 7 === 0 ? "revisited" : ""}` }))).flat()
      const background = keyphrasesInBackground(papers)
      background.feed(true)
      assert.deepStrictEqual(yield* Effect.promise(() => background.keyphrases), extractKeyphrases(papers))
    }), 60_000)

  it.effect("extracts the same keyphrases for de-duplicated papers from a thread fed the papers as they were parsed", () =>
    Effect.gen(function*() {
      const sample = samplePapers()
      // Copies as a dump repeats papers: one with a longer abstract (the merge takes it, with the
      // same title), one with that and its title in other capitals (a pair of texts no parsed paper
      // has), one the same.
      const parsed = [
        ...sample,
        { ...sample[3], abstract: `${sample[3].abstract} We also release the training code.` },
        { ...sample[5], title: sample[5].title.toUpperCase(), abstract: `${sample[5].abstract} Code is available.` },
        { ...sample[7] }
      ]
      const keyphrases = earlyKeyphrases({ chunk: 20, ahead: 40, minPapers: 30 })
      for (const paper of parsed) keyphrases.add(paper)
      const { papers, sources } = dedupePapers(parsed)
      assert.strictEqual(papers.length, sample.length)
      assert.strictEqual(sources[3], sample.length)
      assert.strictEqual(sources[5], -1)
      assert.strictEqual(sources[7], 7)
      papers.forEach((paper, i) => {
        if (sources[i] >= 0) assert.deepStrictEqual([parsed[sources[i]].title, parsed[sources[i]].abstract], [paper.title, paper.abstract])
      })
      const background = keyphrases.settle(papers, sources)
      assert.deepStrictEqual(yield* Effect.promise(() => background.keyphrases), extractKeyphrases(papers))
    }), 60_000)

  it.effect("extracts the keyphrases here, from the texts read again, when a thread that no longer has the papers ends", () =>
    Effect.gen(function*() {
      const papers = samplePapers()
      const keyphrases = earlyKeyphrases({ chunk: 20, ahead: 40, minPapers: 30 })
      for (const paper of papers) keyphrases.add(paper)
      let readAgain = 0
      const background = keyphrases.settle(papers, sameSources(papers.length), undefined, async () => {
        readAgain++
        return papers.map(({ abstract, title }) => ({ abstract, title }))
      })
      keyphrases.cancel()
      assert.deepStrictEqual(yield* Effect.promise(() => background.keyphrases), extractKeyphrases(papers))
      assert.strictEqual(readAgain, 1)
    }), 60_000)

  it.effect("feeds the background thread its papers as it goes, also while this thread only waits", () =>
    Effect.gen(function*() {
      const papers = Array.from({ length: 60 }, (_, copy) => samplePapers().map((paper) => ({ ...paper, title: `${paper.title} ${copy % 5 === 0 ? "again" : ""}` }))).flat()
      // Chunks of 500, one at a time beyond those done, and no feed() here: the timer posts them.
      const background = keyphrasesInBackground(papers, undefined, { chunk: 500, ahead: 1, minPapers: 5_000 })
      assert.deepStrictEqual(yield* Effect.promise(() => background.keyphrases), extractKeyphrases(papers))
    }), 60_000)

  it.effect("scores a million non-zeros the same on one thread and on two", () =>
    Effect.gen(function*() {
      const matrix = syntheticMatrix(12_000, 90, 20_000)
      const K = 7
      const random = seededRandom(11)
      const weights = Float32Array.from({ length: matrix.cols * K }, () => (random() < 0.3 ? random() : 0))
      const bias = [0.1, -0.2, 0.3, 0, 0, 0.5, -1]
      // Every pass waits for the worker: by default passes this small run in line while it loads.
      const scoring = twoThreadScoring(0)
      try {
        assert.deepStrictEqual(Array.from(scoring.rows(matrix, weights, K, bias)), Array.from(scoreRows(matrix, weights, K, bias)))
        const vectors = Array.from({ length: K }, (_, k) => {
          const indices = Int32Array.from({ length: 400 }, (_, i) => (i * 37 + k * 101) % matrix.cols).sort()
          return { indices, values: Float32Array.from(indices, () => random()) }
        })
        assert.deepStrictEqual(Array.from(scoring.vectors(matrix, vectors)), Array.from(IN_LINE.vectors(matrix, vectors)))
        const posterior = softmaxRows(scoreRows(matrix, weights, K), K, 20)
        assert.deepStrictEqual(Array.from(scoring.counts(matrix, posterior, K)), Array.from(IN_LINE.counts(matrix, posterior, K)))
        // One class: the worker's half is empty (a remap that learns one new leaf).
        const single = softmaxRows(scoreRows(matrix, weights.filter((_, i) => i % K === 0), 1), 1, 20)
        assert.deepStrictEqual(Array.from(scoring.counts(matrix, single, 1)), Array.from(IN_LINE.counts(matrix, single, 1)))
        assert.deepStrictEqual(Array.from(scoring.rows(matrix, weights.filter((_, i) => i % K === 0), 1)), Array.from(scoreRows(matrix, weights.filter((_, i) => i % K === 0), 1)))
        // Each pass split with the worker, on the kernel memory both threads share (none fell back to this thread).
        assert.strictEqual(scoring.passesOnWorker(), 5)
      } finally {
        scoring.close()
      }
    }), 60_000)
})

/** The array memory this thread holds after a full collection from a fresh turn, 50 ms on. */
const heldArrayBytes = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 50))).pipe(
  Effect.andThen(Effect.sync(() => {
    collectGarbageNow()
    return process.memoryUsage().arrayBuffers
  }))
)

describe("two-thread passes let their memory go", () => {
  it.effect("frees each pass's arrays in shared memory while the worker lives on", () =>
    Effect.gen(function*() {
      const matrix = syntheticMatrix(12_000, 90, 20_000)
      const K = 64
      const random = seededRandom(3)
      const posterior = softmaxRows(Float32Array.from({ length: matrix.rows * K }, () => random()), K, 1)
      // Each count is a cols × K array of float64 in shared memory (10 MB), which the worker is handed.
      const passBytes = matrix.cols * K * 8
      // The worker collects after every job here (by default only after those handing it 64 MB or more).
      const scoring = twoThreadScoring(0, 0)
      try {
        scoring.counts(matrix, posterior, K)
        const before = yield* heldArrayBytes
        for (let pass = 0; pass < 8; pass++) scoring.counts(matrix, posterior, K)
        assert.strictEqual(scoring.passesOnWorker(), 9)
        // Collected and freed within a second (freeing a shared array's memory may wait for a later
        // turn); kept by the worker until it ended, the eight passes' arrays would be 80 MB.
        let grown = Infinity
        for (let attempt = 0; attempt < 20 && grown >= 2 * passBytes; attempt++) grown = (yield* heldArrayBytes) - before
        assert.isBelow(grown, 2 * passBytes, `${Math.round(grown / 1e6)} MB of arrays still held after eight passes`)
      } finally {
        scoring.close()
      }
    }), 60_000)
})
