import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { countTerms } from "../pipeline/termCounts.ts"
import { DEFAULT_VECTORIZE, fitTransform, rowOf, transformText, weighTerms } from "../pipeline/vectorize.ts"
import { samplePapers } from "./fixtures-helpers.ts"

describe("vectorize", () => {
  it.effect("builds L2-normalised sparse TF-IDF rows of stemmed unigrams and bigrams", () =>
    Effect.gen(function*() {
      const papers = samplePapers()
      const { matrix, model } = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 2, keepTerms: new Set() })
      assert.strictEqual(matrix.rows, 91)
      assert.strictEqual(matrix.cols, model.vocabulary.length)
      for (let r = 0; r < matrix.rows; r++) {
        const row = rowOf(matrix, r)
        const norm = Math.sqrt(row.values.reduce((sum, value) => sum + value * value, 0))
        if (row.values.length > 0) assert.closeTo(norm, 1, 1e-5)
      }
      assert.isTrue(model.columnOf.has("reward model"), "bigram of stems")
      assert.isFalse(model.columnOf.has("languag model"), "in more than half of the papers: max_df drops it")
      assert.isFalse(model.columnOf.has("the"), "stop words out")
      // min_df = 2 and max_df = 0.5 prune both ends.
      for (const df of model.documentFrequency) {
        assert.isAtLeast(df, 2)
        assert.isAtMost(df, 45)
      }
    }))

  it.effect("gives a paper without terms an empty row in its place, also first and last", () =>
    Effect.gen(function*() {
      const paper = samplePapers()[0]
      const titles = ["", "graph neural networks", "", "", "graph neural networks for molecules", "!!!", "neural networks", ""]
      const papers = titles.map((title, i) => ({ ...paper, paperId: `p${i}`, title, abstract: "" }))
      const { matrix, model } = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 1, maxDf: 1, keepTerms: new Set() })
      const terms = (r: number) => Array.from(rowOf(matrix, r).indices, (column) => model.vocabulary[column])
      assert.deepStrictEqual(titles.map((_, r) => terms(r).length), [0, 5, 0, 0, 6, 0, 3, 0])
      assert.deepStrictEqual(terms(6), ["network", "neural", "neural network"])
    }))

  it.effect("counts papers it is handed over as it lets them go, collecting at each quarter, with the same rows", () =>
    Effect.gen(function*() {
      const papers = samplePapers()
      const options = { ...DEFAULT_VECTORIZE, minDf: 2, keepTerms: new Set<string>() }
      const handed = [...papers]
      const seenAt: Array<number> = []
      const counts = countTerms(handed, options, undefined, true, () => seenAt.push(handed.filter((paper) => paper === undefined).length))
      // Collected once a quarter, a half and three quarters of the papers were let go (of 91: 22, 45, 68).
      assert.deepStrictEqual(seenAt, [1, 2, 3].map((quarter) => Math.floor((quarter * papers.length) / 4)))
      assert.isTrue(handed.every((paper) => paper === undefined))
      const { matrix } = weighTerms(counts, options)
      const expected = fitTransform(papers, options).matrix
      assert.deepStrictEqual([matrix.offsets, matrix.indices, matrix.values], [expected.offsets, expected.indices, expected.values])
    }))

  it.effect("orders the columns as their terms sort as strings: a stem, its bigrams, then the stems it begins", () =>
    Effect.gen(function*() {
      const paper = samplePapers()[0]
      const titles = ["graph zebra", "graphem graph", "graph", "grapheme alpha", "gra graph", "graph alpha", "graph0 beta", "zebra graph"]
      const papers = titles.map((title, i) => ({ ...paper, paperId: `p${i}`, title, abstract: "" }))
      const { model } = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 1, maxDf: 1, keepTerms: new Set() })
      assert.includeMembers([...model.vocabulary], ["gra", "gra graph", "graph", "graph alpha", "graph zebra", "graph0", "graph0 beta", "graphem"])
      assert.deepStrictEqual(model.vocabulary, [...model.vocabulary].sort())
      model.vocabulary.forEach((term, column) => assert.strictEqual(model.columnOf.get(term), column))
      assert.isUndefined(model.columnOf.get("graph beta"))
      const sample = fitTransform(samplePapers(), { ...DEFAULT_VECTORIZE, minDf: 2, keepTerms: new Set() }).model.vocabulary
      assert.deepStrictEqual(sample, [...sample].sort())
    }))

  it.effect("counts every term of a paper with thousands of distinct terms", () =>
    Effect.gen(function*() {
      const paper = samplePapers()[0]
      const letters = "bcdfghjklmnpqrtvwxz"
      const word = (i: number) => `q${letters[i % 19]}${letters[Math.floor(i / 19) % 19]}${letters[Math.floor(i / 361) % 19]}k`
      const words = Array.from({ length: 1500 }, (_, i) => word(i))
      // "alpha" three times, each time between two words it forms new bigrams with.
      const abstract = [...words.slice(0, 500), "alpha", ...words.slice(500, 1000), "alpha", ...words.slice(1000), "alpha"].join(" ")
      const papers = [{ ...paper, paperId: "long", title: "", abstract }, { ...paper, paperId: "other", title: "", abstract: "beta gamma" }]
      const { matrix, model } = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 1, maxDf: 1, keepTerms: new Set() })
      const row = rowOf(matrix, 0)
      // 1,501 unigrams, and a bigram per adjacent pair: 1,502 words in a row, 1,502 pairs after the first.
      assert.strictEqual(row.indices.length, 1501 + 1502)
      const weightOf = (term: string) => row.values[Array.from(row.indices).indexOf(model.columnOf.get(term)!)]
      assert.closeTo(weightOf("alpha") / weightOf(words[7]), 1 + Math.log(3), 1e-5)
    }))

  it.effect("keeps a taxonomy term that only one paper uses, and weights the title up", () =>
    Effect.gen(function*() {
      const papers = samplePapers()
      const plain = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 2, keepTerms: new Set() })
      const kept = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: 2, keepTerms: new Set(["unlearn"]) })
      assert.isFalse(plain.model.columnOf.has("unlearn"))
      assert.isTrue(kept.model.columnOf.has("unlearn"))
      const title = transformText(kept.model, [{ text: "diffusion models", weight: 2 }])
      assert.isAbove(title.values.length, 0)
    }))
})
