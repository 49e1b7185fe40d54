import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { barLine, makeProgress, stageProgress } from "../pipeline/progress.ts"

describe("progress bar", () => {
  it.effect("shows papers done, rate and ETA for a long stage", () =>
    Effect.gen(function*() {
      const line = barLine("keyphrases", 10_000, 40_000, "papers", "", 4)
      assert.include(line, "[papersort] keyphrases")
      assert.include(line, "10,000/40,000 papers")
      assert.include(line, "2,500/s")
      assert.include(line, "ETA 12 s")
      assert.include(line, "[#####···············]")
    }))

  it.effect("draws nothing when stderr is not a TTY, or under --quiet", () =>
    Effect.gen(function*() {
      const writes: Array<string> = []
      const original = process.stderr.write.bind(process.stderr)
      process.stderr.write = ((chunk: string) => {
        writes.push(String(chunk))
        return true
      }) as typeof process.stderr.write
      try {
        makeProgress(false, () => 0, false)
        stageProgress("vectorize", 1024, 40_000)
        makeProgress(true, () => 0, true)
        stageProgress("vectorize", 2048, 40_000)
      } finally {
        process.stderr.write = original
      }
      assert.deepStrictEqual(writes, [])
    }))
})
