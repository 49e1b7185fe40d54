/**
 * The keyphrase stage on a second thread (workers/keyphrases.ts) while the main thread
 * vectorises, clusters and maps, and the packed form in which keyphrases cross between threads.
 */
import { Worker } from "node:worker_threads"
import type { Paper } from "./domain.ts"
import { extractKeyphrases, type PaperKeyphrases } from "./keyphrases.ts"
import { pipelineFile } from "./paths.ts"
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
  /** Score the papers received, as the papers `order[0]`, `order[1]`, … of them (all, in order, without one). */
  | { readonly kind: "extract"; readonly order?: Int32Array }

type KeyphraseReply = ({ readonly kind: "done" } & PackedKeyphrases) | { readonly kind: "failed"; readonly reason: string }

type Texts = Pick<Paper, "title" | "abstract">

/** Below this many papers a worker's start-up (~0.2 s) costs more than running in line. */
const BACKGROUND_MIN_PAPERS = 5_000
/**
 * Papers posted beyond those the worker has reduced: about 45 s of its work on this project's
 * machine, 450 MB of text. A million papers' texts, posted at once, waited in its queue as a
 * second copy of them all (1.5 GB of RSS at the start of the vectorise stage).
 */
const POSTED_AHEAD = 300_000

/** Papers per message, how many to post beyond those done, and from how many papers on a worker pays (tests set small ones). */
export interface Feeding {
  readonly chunk: number
  readonly ahead: number
  readonly minPapers: number
}

const FEEDING: Feeding = { chunk: 20_000, ahead: POSTED_AHEAD, minPapers: BACKGROUND_MIN_PAPERS }

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
 * The keyphrase stage started before the papers are final: fed each paper as it is parsed, so that
 * the worker works while this thread is still parsing (a million papers' parse and de-duplication
 * leave the second core idle for 16 s). `settle` names the papers to extract for, after duplicates
 * are merged.
 */
export interface EarlyKeyphrases {
  /** The next parsed paper, in input order. */
  add(paper: Texts): void
  /**
   * The papers the keyphrases are for: paper i has the title and abstract of parsed paper
   * `sources[i]`, or, at -1, texts of its own (two copies merged). `onProgress` hears of the
   * papers the worker has done, while this thread is free. With `textsAgain`, nothing here keeps
   * `papers` once this returns (nor the parsed papers once posted), and the caller may empty them:
   * without a worker the extraction runs here at once, and a worker that fails has it run here on
   * the texts `textsAgain` gives.
   */
  settle(
    papers: ReadonlyArray<Texts>,
    sources: Int32Array,
    onProgress?: (done: number) => void,
    textsAgain?: () => Promise<ReadonlyArray<Texts>>
  ): KeyphrasesInBackground
  /** End the worker: the run stops before its keyphrases are needed. */
  cancel(): void
}

/** `sources` for papers that are the parsed ones, unchanged. */
export const sameSources = (count: number): Int32Array => Int32Array.from({ length: count }, (_, i) => i)

/**
 * The keyphrases of papers as they are parsed, extracted on a worker thread from the
 * `minPapers`-th on while the caller goes on (vectorising, clustering and mapping need none of
 * them): the same result as `extractKeyphrases` of the settled papers. Fewer papers, or a worker
 * that fails, run in line once settled.
 */
export const earlyKeyphrases = ({ ahead, chunk: chunkSize, minPapers }: Feeding = FEEDING): EarlyKeyphrases => {
  /** The papers to post, in the worker's order: the parsed ones, then those of settled papers with texts of their own. */
  const queued: Array<Texts | undefined> = []
  let worker: Worker | undefined
  let failed = false
  let reply: Promise<PaperKeyphrases | undefined> = Promise.resolve(undefined)
  // Papers done so far, counted by the worker: what the feeding and the progress bar go by.
  const done = new Int32Array(new SharedArrayBuffer(4))
  let posted = 0
  /** Set by `settle`: the papers to score, as indices into `queued` (undefined: all of them, in order). */
  let settled = false
  let order: Int32Array | undefined
  let finished = false
  let onProgress: ((done: number) => void) | undefined

  /** Posts whole chunks up to `ahead` beyond those done; once settled, the rest too (all with `everything`) and the order. */
  const post = (everything: boolean) => {
    const horizon = Math.min(queued.length, everything ? queued.length : Atomics.load(done, 0) + ahead)
    while (posted < horizon && (settled || horizon - posted >= chunkSize)) {
      const chunk = queued.slice(posted, posted + chunkSize) as Array<Texts>
      worker!.postMessage({ kind: "papers", titles: chunk.map(({ title }) => title), abstracts: chunk.map(({ abstract }) => abstract) } satisfies KeyphraseMessage)
      // Posted texts are the worker's: kept here, a million papers' stayed through the map.
      queued.fill(undefined, posted, posted + chunk.length)
      posted += chunk.length
    }
    if (settled && posted === queued.length && !finished) {
      worker!.postMessage({ kind: "extract", order } satisfies KeyphraseMessage)
      finished = true
      // The parsed papers are the caller's to let go of.
      queued.length = 0
      order = undefined
    }
  }
  const feed = (everything = false) => {
    if (worker === undefined || failed || finished) return
    try {
      post(everything)
    } catch {
      // A worker that cannot be posted to is ended, and the extraction runs here (workerReply.ts).
      failed = true
      void worker.terminate()
    }
  }
  const start = () => {
    try {
      // Its heap holds every paper's candidate phrases until they are scored: room for a million papers.
      worker = new Worker(pipelineFile("workers/keyphrases.ts"), { resourceLimits: { maxOldGenerationSizeMb: 8192 }, workerData: { done } })
      // A run that fails before it asks for the keyphrases must still exit.
      worker.unref()
    } catch {
      failed = true
      return
    }
    reply = replyOrInLine<KeyphraseReply, PaperKeyphrases | undefined>(worker, unpackKeyphrases, () => undefined)
    // Runs only while this thread is free: parsing (between reads), waiting for the keyphrases, or storing.
    const ticker = setInterval(() => {
      feed()
      onProgress?.(Atomics.load(done, 0))
    }, 250)
    ticker.unref()
    void reply.finally(() => {
      clearInterval(ticker)
      // The caller's progress callback may hold its whole stage (a million papers' texts and vectors).
      onProgress = undefined
    })
  }

  return {
    add(paper) {
      queued.push(paper)
      if (worker === undefined && !failed && queued.length === minPapers) start()
      else if (queued.length % 1024 === 0) feed()
    },
    settle(papers, sources, progress, textsAgain) {
      if (worker === undefined && !failed && papers.length >= minPapers) {
        // Too few parsed papers to have started (none, for a caller that knew its papers at once): started now, on the settled ones.
        queued.length = 0
        for (const paper of papers) queued.push(paper)
        sources = sameSources(papers.length)
        start()
      }
      if (worker === undefined || failed) {
        queued.length = 0
        // Extracted now, while the caller still has the papers (it may let them go as it goes on).
        return { keyphrases: Promise.resolve(extractKeyphrases(papers, progress)), feed: () => undefined }
      }
      const parsed = queued.length
      const settledOrder = Int32Array.from(sources, (source, i) => (source >= 0 ? source : queued.push(papers[i]) - 1))
      // Every parsed paper, in order (no duplicates), is the common case: no order to send.
      order = settledOrder.length === parsed && settledOrder.every((source, i) => source === i) ? undefined : settledOrder
      settled = true
      // The worker counts every paper it reduces, duplicates merged away included. (Counts only:
      // this object lives as long as the run, and must not hold the papers.)
      const [reduced, settledPapers] = [queued.length, papers.length]
      onProgress = progress && ((count) => progress(Math.floor((count * settledPapers) / reduced)))
      feed()
      const keyphrases = textsAgain === undefined
        ? reply.then((result) => result ?? extractKeyphrases(papers, progress))
        : reply.then(async (result) => result ?? extractKeyphrases(await textsAgain(), progress))
      // The closures made here share one scope: it must not hold the papers (see `textsAgain`).
      if (textsAgain !== undefined) papers = []
      // Held by the caller only: this object lives as long as the run, and the keyphrases need not.
      reply = Promise.resolve(undefined)
      return { keyphrases, feed }
    },
    cancel() {
      failed = true
      void worker?.terminate()
    }
  }
}

/**
 * The keyphrases of `papers`, extracted on a worker thread while the caller goes on: the same
 * result as `extractKeyphrases`. Small inputs, or a worker that fails, run in line.
 */
export const keyphrasesInBackground = (
  papers: ReadonlyArray<Texts>,
  onProgress?: (done: number) => void,
  feeding: Feeding = FEEDING
): KeyphrasesInBackground => earlyKeyphrases(feeding).settle(papers, sameSources(papers.length), onProgress)
