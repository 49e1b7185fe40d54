import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { summarizeClusters } from "../pipeline/classify.ts"
import type { Clustering } from "../pipeline/cluster.ts"
import type { PaperKeyphrases } from "../pipeline/keyphrases.ts"
import { seededRandom } from "../pipeline/random.ts"
import type { TfidfModel } from "../pipeline/vectorize.ts"

/** Each cluster's five most distinctive phrases by sorting all of them (what the labels are defined as). */
const sortedTopPhrases = (keyphrases: PaperKeyphrases, labels: Int32Array, k: number): Array<Array<{ phrase: string; weight: number }>> => {
  const corpusCount = new Map<number, number>()
  for (const key of keyphrases.key) corpusCount.set(key, (corpusCount.get(key) ?? 0) + 1)
  return Array.from({ length: k }, (_, cluster) => {
    const rows = Array.from(labels.keys()).filter((row) => labels[row] === cluster)
    const byKey = new Map<number, { phrase: string; score: number; count: number }>()
    for (const row of rows) {
      for (let e = keyphrases.offsets[row]; e < keyphrases.offsets[row + 1]; e++) {
        const entry = byKey.get(keyphrases.key[e]) ?? { phrase: keyphrases.phrases[keyphrases.phrase[e]], score: 0, count: 0 }
        entry.score += keyphrases.score[e]
        entry.count++
        byKey.set(keyphrases.key[e], entry)
      }
    }
    return [...byKey].map(([key, { count, phrase, score }]) => ({
      phrase,
      weight: score * (count / corpusCount.get(key)!) * (count > 1 || rows.length === 1 ? 1 : 0.5)
    })).sort((a, b) => b.weight - a.weight || (a.phrase < b.phrase ? -1 : 1)).slice(0, 5)
  })
}

describe("cluster labels", () => {
  it.effect("are each cluster's five most distinctive keyphrases, ties in alphabetical order", () =>
    Effect.gen(function*() {
      const random = seededRandom(7)
      // 400 papers in 4 clusters, up to 10 phrases each from 30, scores from three values; then 20
      // papers of cluster 0 that all carry six phrases of their own with one score: six equal weights.
      const papers = 420
      const k = 4
      const phrases = Array.from({ length: 30 }, (_, i) => `phrase ${String.fromCharCode(97 + (i * 7) % 26)}${i}`)
      const tied = ["tie f", "tie b", "tie d", "tie a", "tie e", "tie c"]
      const offsets = new Int32Array(papers + 1)
      const phrase: Array<number> = []
      const score: Array<number> = []
      for (let row = 0; row < papers; row++) {
        const chosen = new Set<number>()
        if (row < 400) {
          const count = Math.floor(random() * 11)
          while (chosen.size < count) chosen.add(Math.floor(random() * phrases.length))
        } else {
          tied.forEach((_, i) => chosen.add(phrases.length + i))
        }
        for (const p of chosen) {
          phrase.push(p)
          score.push(row < 400 ? [0.5, 1, 2][Math.floor(random() * 3)] : 2)
        }
        offsets[row + 1] = phrase.length
      }
      const keyphrases: PaperKeyphrases = {
        offsets,
        phrase: Int32Array.from(phrase),
        score: Float64Array.from(score),
        key: Int32Array.from(phrase),
        phrases: [...phrases, ...tied]
      }
      const labels = Int32Array.from({ length: papers }, (_, row) => (row < 400 ? Math.floor(random() * k) : 0))
      const clustering: Clustering = {
        k,
        labels,
        centroids: Array.from({ length: k }, () => ({ indices: Int32Array.of(0), values: Float32Array.of(1) })),
        sizes: new Int32Array(k),
        iterations: 1
      }
      const model = { surfaces: ["term"] } as unknown as TfidfModel
      const summaries = summarizeClusters(keyphrases, clustering, model)
      const expected = sortedTopPhrases(keyphrases, labels, k)
      assert.deepStrictEqual(summaries.map((summary) => summary.topKeyphrases), expected.map((top) => top.map(({ phrase }) => phrase)))
      summaries.forEach((summary, c) => assert.strictEqual(summary.label, expected[c].slice(0, 3).map(({ phrase }) => phrase).join(" / ")))
      // The ties the test is about: cluster 0's five are five of the six tied phrases, the first alphabetically.
      assert.deepStrictEqual(summaries[0].topKeyphrases, ["tie a", "tie b", "tie c", "tie d", "tie e"])
    }))
})
