/**
 * A background stage's one answer from its worker thread, or the same work done on this thread
 * (keyphrasesBackground.ts, projectBackground.ts): the worker replies once, with
 * `{ kind: "failed" }` when its work threw. That reply, or the worker failing to run at all,
 * means `inLine()` instead; either way the worker is ended, and the promise never rejects.
 */
import type { Worker } from "node:worker_threads"

export const replyOrInLine = <Reply extends { readonly kind: string }, A>(
  worker: Worker,
  fromReply: (reply: Exclude<Reply, { readonly kind: "failed" }>) => A,
  inLine: () => A
): Promise<A> =>
  new Promise((resolve) => {
    const instead = () => {
      void worker.terminate()
      resolve(inLine())
    }
    worker.once("error", instead)
    worker.once("message", (reply: Reply) => {
      if (reply.kind === "failed") return instead()
      void worker.terminate()
      resolve(fromReply(reply as Exclude<Reply, { readonly kind: "failed" }>))
    })
  })
