/**
 * A pass too small to wait for a loading worker asks `available(false)`: it must answer at once
 * while the worker loads, without dropping it, and say yes once it has loaded (workerHandOff.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { startHandOff } from "../pipeline/workerHandOff.ts"

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

describe("a worker hand-off", () => {
  it("answers at once while its worker loads, and has the worker once it has loaded", () => {
    const control = new Int32Array(new SharedArrayBuffer(8))
    const handOff = startHandOff(new URL("../pipeline/workers/score.ts", import.meta.url), { control }, control)
    try {
      const asked = performance.now()
      assert.isFalse(handOff.available(false))
      assert.isBelow(performance.now() - asked, 50)
      // This thread keeps blocking, as a pass does: the worker loads on its own.
      const start = performance.now()
      while (!handOff.available(false) && performance.now() - start < 15_000) pause(10)
      assert.isTrue(handOff.available(false))
      assert.isTrue(handOff.available())
    } finally {
      handOff.close()
    }
  }, 20_000)
})
