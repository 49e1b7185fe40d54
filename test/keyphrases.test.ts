import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { candidatePhrases } from "../pipeline/keyphraseCandidates.ts"
import { extractKeyphrases, keyphrasesOf } from "../pipeline/keyphrases.ts"
import { paperNamed, samplePapers } from "./fixtures-helpers.ts"

describe("keyphrases", () => {
  it.effect("finds noun phrases without stop words at their edges", () =>
    Effect.gen(function*() {
      const candidates = candidatePhrases("We propose a reward model ensemble that mitigates the overoptimization of large language models.")
      const surfaces = candidates.map((candidate) => candidate.surface)
      assert.include(surfaces.join(" | "), "reward model ensemble")
      assert.isTrue(surfaces.some((surface) => surface.endsWith("language models")))
      for (const surface of surfaces) {
        assert.notMatch(surface, /^(the|a|of|we|that)\b|\b(the|a|of|that)$/i)
        assert.isAtMost(surface.split(" ").length, 4)
      }
    }))

  it.effect("gives each paper of the sample at most 10 phrases, one per stem, best first", () =>
    Effect.gen(function*() {
      const papers = samplePapers()
      const extracted = extractKeyphrases(papers)
      const keyphrases = papers.map((_, paper) => keyphrasesOf(extracted, paper))
      assert.strictEqual(extracted.offsets.length, papers.length + 1)
      for (const list of keyphrases) {
        assert.isAtMost(list.length, 10)
        const stems = list.map(({ phrase }) => phrase.toLowerCase().replace(/s\b/g, ""))
        assert.strictEqual(new Set(stems).size, stems.length)
        for (let i = 1; i < list.length; i++) assert.isAtLeast(list[i - 1].score, list[i].score)
      }
      const rewardPaper = keyphrases[paperNamed(papers, "Reward Model Ensembles")].map(({ phrase }) => phrase.toLowerCase())
      assert.isTrue(rewardPaper.some((phrase) => phrase.includes("reward model")), rewardPaper.join(", "))
    }))

  it.effect("counts a phrase used hundreds of times in one paper exactly", () =>
    Effect.gen(function*() {
      // 300 uses against 256: a count kept in a byte would tie them at 255 and put "bandwidth" first.
      const abstract = `${"The zeta function grows. ".repeat(300)}${"The bandwidth estimate holds. ".repeat(256)}`
      const papers = [{ title: "Notes", abstract }, { title: "Other notes", abstract: "A graph neural network." }]
      const top = keyphrasesOf(extractKeyphrases(papers), 0).slice(0, 2)
      assert.deepStrictEqual(top.map(({ phrase }) => phrase), ["zeta function", "bandwidth estimate"])
      assert.strictEqual(top[1].score, Math.round(((1 + Math.log(256)) / (1 + Math.log(300))) * 10_000) / 10_000)
    }))
})
