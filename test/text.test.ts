/** The hand-written text scans against the regexes they replace. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { seededRandom } from "../pipeline/random.ts"
import { collapseWhitespace, isWhiteSpace } from "../pipeline/text.ts"

describe("text", () => {
  it.effect("knows JavaScript's white space (\\s) by character code", () =>
    Effect.gen(function*() {
      const differ: Array<number> = []
      for (let code = 0; code < 0x10000; code++) if (isWhiteSpace(code) !== /\s/.test(String.fromCharCode(code))) differ.push(code)
      assert.deepStrictEqual(differ, [])
    }))

  it.effect("collapses white space as replace(/\\s+/g, \" \").trim() does", () =>
    Effect.gen(function*() {
      const random = seededRandom(3)
      // Also the characters around the fast check's bounds: 31–33, 0x7f–0xa1, and non-ASCII letters.
      const pieces = [" ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u2028", "\ufeff", "\u3000", "a", "bc", "x y", ".", "\u001f", "!", "\u007f", "\u0085", "\u009f", "\u00a1", "é", "λ"]
      for (let t = 0; t < 20_000; t++) {
        let text = ""
        for (let i = Math.floor(random() * 12); i > 0; i--) text += pieces[Math.floor(random() * pieces.length)]
        assert.strictEqual(collapseWhitespace(text), text.replace(/\s+/g, " ").trim(), JSON.stringify(text))
      }
      const clean = "Already clean: one space between words."
      assert.strictEqual(collapseWhitespace(clean), clean)
    }))
})
