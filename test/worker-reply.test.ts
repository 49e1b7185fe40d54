/**
 * A background stage takes its worker's one reply, and does the work on this thread when the
 * worker fails, says it failed, or ends without a reply (workerReply.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import { replyOrInLine } from "../pipeline/workerReply.ts"

type Reply = { readonly kind: "done"; readonly value: string } | { readonly kind: "failed" }

const answer = (source: string) =>
  Effect.promise(() => replyOrInLine<Reply, string>(new Worker(source, { eval: true }), (reply) => reply.value, () => "in line"))

describe("a background stage's worker reply", () => {
  it.effect("takes the worker's reply", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* answer(`require("node:worker_threads").parentPort.postMessage({ kind: "done", value: "from the worker" })`), "from the worker")
    }))

  it.effect("takes the reply of a worker that exits right after it, while this thread was busy", () =>
    Effect.gen(function*() {
      const reply = replyOrInLine<Reply, string>(
        new Worker(`require("node:worker_threads").parentPort.postMessage({ kind: "done", value: "from the worker" }); process.exit(0)`, { eval: true }),
        (reply) => reply.value,
        () => "in line"
      )
      // Busy past the worker's start, reply and exit, as the main thread is in the map.
      const until = Date.now() + 1_000
      while (Date.now() < until);
      assert.strictEqual(yield* Effect.promise(() => reply), "from the worker")
    }))

  it.effect("does the work here when the worker says it failed, throws, or ends without a reply", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* answer(`require("node:worker_threads").parentPort.postMessage({ kind: "failed" })`), "in line")
      assert.strictEqual(yield* answer(`throw new Error("broken")`), "in line")
      assert.strictEqual(yield* answer(`process.exit(0)`), "in line")
    }), 20_000)
})
