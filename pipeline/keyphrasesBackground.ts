/**
 * The keyphrase stage on a second thread (workers/keyphrases.ts) while the main thread
 * vectorises, clusters and maps, and the packed form in which keyphrases cross between threads.
 */
import { Worker } from "node:worker_threads"
import type { Paper } from "./domain.ts"
import { extractKeyphrases, type PaperKeyphrases } from "./keyphrases.ts"
import { replyOrInLine } from "./workerReply.ts"

/**
 * Keyphrases as they cross between threads: the flat arrays as they are, and the distinct
 * phrases joined by U+0001, one string per 1,000,000 phrases (a string holds at most 2^29
 * characters), instead of one cloned string each.
 */
export type PackedKeyphrases = Omit<PaperKeyphrases, "phrases"> & { readonly joinedPhrases: ReadonlyArray<string> }

const PACK_PHRASES = 1_000_000

export const packKeyphrases = ({ phrases, ...arrays }: PaperKeyphrases): PackedKeyphrases => {
  const joinedPhrases: Array<string> = []
  for (let start = 0; start < phrases.length; start += PACK_PHRASES) joinedPhrases.push(phrases.slice(start, start + PACK_PHRASES).join("\u0001"))
  return { ...arrays, joinedPhrases }
}

const unpackKeyphrases = ({ joinedPhrases, key, offsets, phrase, score }: PackedKeyphrases): PaperKeyphrases => ({
  offsets,
  phrase,
  score,
  key,
  phrases: joinedPhrases.flatMap((joined) => joined.split("\u0001"))
})

export type KeyphraseMessage =
  | { readonly kind: "papers"; readonly titles: ReadonlyArray<string>; readonly abstracts: ReadonlyArray<string> }
  | { readonly kind: "extract" }

type KeyphraseReply = ({ readonly kind: "done" } & PackedKeyphrases) | { readonly kind: "failed"; readonly reason: string }

/** Below this many papers a worker's start-up (~0.2 s) costs more than running in line. */
const BACKGROUND_MIN_PAPERS = 5_000
/**
 * Papers posted beyond those the worker has reduced: about 45 s of its work on this project's
 * machine, 450 MB of text. A million papers' texts, posted at once, waited in its queue as a
 * second copy of them all (1.5 GB of RSS at the start of the vectorise stage).
 */
const POSTED_AHEAD = 300_000

/** Papers per message, and how many to post beyond those done (tests set small ones). */
export interface Feeding {
  readonly chunk: number
  readonly ahead: number
}

const FEEDING: Feeding = { chunk: 20_000, ahead: POSTED_AHEAD }

export interface KeyphrasesInBackground {
  readonly keyphrases: Promise<PaperKeyphrases>
  /**
   * Post the worker the next papers, up to `POSTED_AHEAD` beyond those it has done (all of them
   * with `everything`): this thread, busy with its own stages, calls it now and then, and with
   * `everything` before a long stretch without a call. While this thread is free (awaiting),
   * a timer feeds the worker too.
   */
  feed(everything?: boolean): void
}

/**
 * The keyphrases of `papers`, extracted on a worker thread while the caller goes on
 * (vectorising, clustering and mapping need none of them): the same result as
 * `extractKeyphrases`. Small inputs, or a worker that fails, run in line.
 */
export const keyphrasesInBackground = (
  papers: ReadonlyArray<Pick<Paper, "title" | "abstract">>,
  onProgress?: (done: number) => void,
  { ahead, chunk: chunkSize }: Feeding = FEEDING
): KeyphrasesInBackground => {
  const inLine = () => ({ keyphrases: Promise.resolve(extractKeyphrases(papers, onProgress)), feed: () => undefined })
  if (papers.length < BACKGROUND_MIN_PAPERS) return inLine()
  let worker: Worker
  // Papers done so far, counted by the worker: what the feeding and the progress bar go by.
  const done = new Int32Array(new SharedArrayBuffer(4))
  let posted = 0
  let finished = false
  const post = (everything: boolean) => {
    const horizon = everything ? papers.length : Atomics.load(done, 0) + ahead
    while (posted < papers.length && posted < horizon) {
      const chunk = papers.slice(posted, posted + chunkSize)
      worker.postMessage({ kind: "papers", titles: chunk.map(({ title }) => title), abstracts: chunk.map(({ abstract }) => abstract) } satisfies KeyphraseMessage)
      posted += chunk.length
    }
    if (posted === papers.length && !finished) {
      worker.postMessage({ kind: "extract" } satisfies KeyphraseMessage)
      finished = true
    }
  }
  try {
    // Its heap holds every paper's candidate phrases until they are scored: room for a million papers.
    worker = new Worker(new URL("./workers/keyphrases.ts", import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 8192 }, workerData: { done } })
    // A run that fails before it asks for the keyphrases must still exit.
    worker.unref()
    post(false)
  } catch {
    return inLine()
  }
  const feed = (everything = false) => {
    try {
      if (!finished) post(everything)
    } catch {
      // A worker that cannot be posted to is ended, and the extraction runs here (workerReply.ts).
      finished = true
      void worker.terminate()
    }
  }
  // Runs only while this thread is free, that is while the caller waits for the keyphrases (or stores).
  const ticker = setInterval(() => {
    feed()
    onProgress?.(Atomics.load(done, 0))
  }, 250)
  ticker.unref()
  const keyphrases = replyOrInLine<KeyphraseReply, PaperKeyphrases>(worker, unpackKeyphrases, () => extractKeyphrases(papers, onProgress))
  return { keyphrases: keyphrases.finally(() => clearInterval(ticker)), feed }
}
