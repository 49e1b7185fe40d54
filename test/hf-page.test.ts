import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseHfPage } from "../pipeline/parse/hfPage.ts"

const PAGE = "test/fixtures/hf-daily-papers-page.txt"
const text = readFileSync(PAGE, "utf8")
const nonBlank = text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0)

describe("hf-page parser", () => {
  it.effect("parses all 91 papers of the Daily Papers page with exact titles and full abstracts", () =>
    Effect.gen(function*() {
      const papers = yield* parseHfPage(text, PAGE)
      assert.strictEqual(papers.length, 91)
      assert.strictEqual(
        papers[0].title,
        "Familiarity: Better Evaluation of Zero-Shot Named Entity Recognition by Quantifying Label Shifts in Synthetic Training Data"
      )
      assert.strictEqual(papers[0].abstract, nonBlank[6])
      assert.isTrue(papers[0].abstract.endsWith("for fine-grained analysis of zero-shot NER."))
      assert.strictEqual(papers[90].title, "Verifying the Verifiers: Unveiling Pitfalls and Potentials in Fact Verifiers")
      assert.strictEqual(papers[90].abstract, nonBlank.at(-1))
      // Every title line of the page is a paper; none of the header lines is.
      assert.isFalse(papers.some((paper) => ["new", "Subscribe", "Jun 23"].includes(paper.title)))
      assert.isTrue(papers.every((paper) => paper.abstract.length > 300))
      assert.strictEqual(new Set(papers.map((paper) => paper.paperId)).size, 91)
    }))

  it.effect("reads CRLF line ends the same as LF", () =>
    Effect.gen(function*() {
      const lf = yield* parseHfPage(text, PAGE)
      const crlf = yield* parseHfPage(text.replace(/\n/g, "\r\n"), PAGE)
      assert.deepStrictEqual(crlf.map((paper) => [paper.title, paper.abstract]), lf.map((paper) => [paper.title, paper.abstract]))
    }))

  it.effect("keeps a title that has no abstract as a paper", () =>
    Effect.gen(function*() {
      const page = [
        "new", "", "Subscribe", "", "Jun 24", "",
        "A Title Without Any Abstract", "",
        "Scaling Laws for Sparse Mixtures", "",
        "We study how mixture-of-experts language models scale with the number of experts. Our results show that sparse models follow predictable power laws across three orders of magnitude of compute.",
        ""
      ].join("\n")
      const papers = yield* parseHfPage(page, "page.txt")
      assert.deepStrictEqual(papers.map((paper) => paper.title), ["A Title Without Any Abstract", "Scaling Laws for Sparse Mixtures"])
      assert.strictEqual(papers[0].abstract, "")
      assert.isTrue(papers[1].abstract.startsWith("We study how mixture-of-experts"))
    }))

  it.effect("fails with the line number when an abstract comes before any title", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseHfPage("\n\n" + nonBlank[6], "page.txt"))
      assert.strictEqual(error._tag, "InputError")
      assert.strictEqual(error.line, 3)
    }))
})
