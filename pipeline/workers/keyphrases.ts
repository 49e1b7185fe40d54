/**
 * Worker thread of the keyphrase stage (keyphrasesInBackground in keyphrases.ts): receives
 * the papers' titles and abstracts in chunks and reduces each chunk to its candidates as it
 * arrives (so no chunk's text is kept), then scores them all with the same functions as the
 * main thread and sends the keyphrases back packed (one string and one score array, not an
 * object per phrase).
 */
import { readlinkSync } from "node:fs"
import { getPriority, setPriority } from "node:os"
import { parentPort, workerData } from "node:worker_threads"
import { CandidateTable, collectCandidates } from "../keyphraseCandidates.ts"
import { scoreCandidates } from "../keyphrases.ts"
import { type KeyphraseMessage, packKeyphrases } from "../keyphrasesBackground.ts"

/**
 * Nobody waits for this thread until the map is done, while k-means' and the map's passes are
 * waited for: it runs at a lower priority, on what they leave of the cores. On Linux a thread's
 * nice value is its own (`/proc/thread-self` names its id); elsewhere it keeps the process's.
 * 5 above the process's: at 10, a 40,000-paper run's keyphrases came 1.5 s after its map.
 */
const LOWER_PRIORITY_BY = 5

const yieldToOtherThreads = () => {
  try {
    const thread = Number(readlinkSync("/proc/thread-self").split("/").pop())
    setPriority(thread, Math.min(19, getPriority(thread) + LOWER_PRIORITY_BY))
  } catch {
    // No per-thread priority here: the same work, only scheduled as before.
  }
}
yieldToOtherThreads()

const candidates = new CandidateTable()
/** Papers reduced so far, read by the main thread for its progress bar. */
const { done } = workerData as { readonly done: Int32Array }

parentPort!.on("message", (message: KeyphraseMessage) => {
  if (message.kind === "papers") {
    const before = candidates.papers
    collectCandidates(message.titles.map((title, i) => ({ title, abstract: message.abstracts[i] })), candidates, (count) => Atomics.store(done, 0, before + count))
    Atomics.store(done, 0, candidates.papers)
    return
  }
  try {
    const packed = packKeyphrases(scoreCandidates(candidates, message.order))
    // The arrays move to the main thread rather than being copied: 200 MB at a million papers.
    const arrays = [packed.offsets, packed.phrase, packed.score, packed.key]
    parentPort!.postMessage({ kind: "done", ...packed }, arrays.map((array) => array.buffer as ArrayBuffer))
  } catch (error) {
    parentPort!.postMessage({ kind: "failed", reason: String(error) })
  }
  // Its tables go with it at once: the main thread, busy with the map, takes the reply (queued
  // before the exit) only later, and ended the thread only then, its 1.5 GB heap with it at a million papers.
  process.exit(0)
})
