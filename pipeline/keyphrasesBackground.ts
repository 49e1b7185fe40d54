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
const CHUNK = 20_000

/**
 * The keyphrases of `papers`, extracted on a worker thread while the caller goes on
 * (vectorising, clustering and mapping need none of them): the same result as
 * `extractKeyphrases`. Small inputs, or a worker that fails, run in line.
 */
export const keyphrasesInBackground = (
  papers: ReadonlyArray<Pick<Paper, "title" | "abstract">>,
  onProgress?: (done: number) => void
): Promise<PaperKeyphrases> => {
  if (papers.length < BACKGROUND_MIN_PAPERS) return Promise.resolve(extractKeyphrases(papers, onProgress))
  let worker: Worker
  // Papers done so far, counted by the worker: shown while the caller waits for the rest.
  const done = new Int32Array(new SharedArrayBuffer(4))
  let ticker: ReturnType<typeof setInterval> | undefined
  try {
    // Its heap holds every paper's candidate phrases until they are scored: room for a million papers.
    worker = new Worker(new URL("./workers/keyphrases.ts", import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 8192 }, workerData: { done } })
    // A run that fails before it asks for the keyphrases must still exit.
    worker.unref()
    for (let start = 0; start < papers.length; start += CHUNK) {
      const chunk = papers.slice(start, start + CHUNK)
      worker.postMessage({ kind: "papers", titles: chunk.map(({ title }) => title), abstracts: chunk.map(({ abstract }) => abstract) } satisfies KeyphraseMessage)
    }
    worker.postMessage({ kind: "extract" } satisfies KeyphraseMessage)
  } catch {
    return Promise.resolve(extractKeyphrases(papers, onProgress))
  }
  if (onProgress !== undefined) {
    // Runs only while this thread is free, that is while the caller waits for the keyphrases.
    ticker = setInterval(() => onProgress(Atomics.load(done, 0)), 250)
    ticker.unref()
  }
  const keyphrases = replyOrInLine<KeyphraseReply, PaperKeyphrases>(worker, unpackKeyphrases, () => extractKeyphrases(papers, onProgress))
  return ticker === undefined ? keyphrases : keyphrases.finally(() => clearInterval(ticker))
}
