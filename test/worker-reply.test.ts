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

  it.effect("does the work here when the worker says it failed, throws, or ends without a reply", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* answer(`require("node:worker_threads").parentPort.postMessage({ kind: "failed" })`), "in line")
      assert.strictEqual(yield* answer(`throw new Error("broken")`), "in line")
      assert.strictEqual(yield* answer(`process.exit(0)`), "in line")
    }), 20_000)
})
