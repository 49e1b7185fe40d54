/**
 * A background stage's one answer from its worker thread, or the same work done on this thread
 * (keyphrasesBackground.ts, projectBackground.ts): the worker replies once, with
 * `{ kind: "failed" }` when its work threw. That reply, the worker failing to run at all, or its
 * ending without a reply, means `inLine()` instead; either way the worker is ended, and the
 * promise never rejects.
 */
import type { Worker } from "node:worker_threads"

export const replyOrInLine = <Reply extends { readonly kind: string }, A>(
  worker: Worker,
  fromReply: (reply: Exclude<Reply, { readonly kind: "failed" }>) => A,
  inLine: () => A
): Promise<A> =>
  new Promise((resolve) => {
    let settled = false
    const settle = (result: () => A) => {
      if (settled) return
      settled = true
      void worker.terminate()
      resolve(result())
    }
    worker.once("error", () => settle(inLine))
    // Ended without a reply (terminated by this thread, or its thread gone): the work here too.
    worker.once("exit", () => settle(inLine))
    worker.once("message", (reply: Reply) =>
      settle(reply.kind === "failed" ? inLine : () => fromReply(reply as Exclude<Reply, { readonly kind: "failed" }>)))
  })
