/**
 * Worker thread of the keyphrase stage (keyphrasesInBackground in keyphrases.ts): receives
 * the papers' titles and abstracts in chunks, extracts their keyphrases with the same
 * function as the main thread, and sends them back packed (one string and one score array
 * per chunk, not an object per phrase).
 */
import { parentPort } from "node:worker_threads"
import { extractKeyphrases, type KeyphraseMessage, packKeyphrases } from "../keyphrases.ts"

const papers: Array<{ readonly title: string; readonly abstract: string }> = []

parentPort!.on("message", (message: KeyphraseMessage) => {
  if (message.kind === "papers") {
    message.titles.forEach((title, i) => papers.push({ title, abstract: message.abstracts[i] }))
    return
  }
  try {
    const packed = packKeyphrases(extractKeyphrases(papers))
    parentPort!.postMessage({ kind: "done", ...packed })
  } catch (error) {
    parentPort!.postMessage({ kind: "failed", reason: String(error) })
  }
})
