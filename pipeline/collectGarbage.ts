/**
 * A full garbage collection, on request. V8 collects when JavaScript allocates, and a report
 * allocates little: after a million-paper store, its queries ran beside gigabytes of the run's
 * texts, vectors and assignments that nothing used any more, freed only by a late collection.
 * A command runs this once it has let the run's data go (commands/collectGarbage.ts), the map
 * between its passes, and the map's worker after a job that handed it large arrays. (No Effect
 * here: worker threads load this, and only what they need.)
 */
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

let gc: ((options?: { readonly type: "major"; readonly execution: "sync"; readonly flavor: "last-resort" }) => void) | null | undefined

const loadGc = () => {
  if (gc === undefined) {
    try {
      // The flag gives a new context a global `gc`; the process's own global stays as it was.
      setFlagsFromString("--expose-gc")
      gc = runInNewContext("gc") as typeof gc
    } catch {
      gc = null
    }
  }
  return gc
}

/**
 * From this resident size of the process on, a collection that is to give the heap's pages back
 * does (V8's last-resort collection), which takes over twice as long as a full one (65 against
 * 27 ms at 40,000 papers, whose run stays near 1 GB): a small run keeps little. (The pages V8
 * keeps count in no heap statistic: its own collections during the vectorise stage have let the
 * heap's size fall by the time this runs, not its resident pages.)
 */
const RELEASE_FROM_RSS_BYTES = 2 * 1024 ** 3

const releasesPages = () => process.memoryUsage.rss() >= RELEASE_FROM_RSS_BYTES

const lastResort = { type: "major", execution: "sync", flavor: "last-resort" } as const

/**
 * A full collection now, within this turn: what the stack still holds stays (see `collectGarbage`).
 * With `releasePages`, a large process also gives back the heap pages V8 keeps for reuse: otherwise
 * a heap that held a million papers (2 GB) stays that size in memory after they are collected, and
 * the rest of the run is that much larger than its data (1M: the clustering 4.3 → 2.4 GB, the map 5.8 → 3.8).
 */
export const collectGarbageNow = (releasePages = false): void => {
  const collect = loadGc()
  if (releasePages && releasesPages()) collect?.(lastResort)
  else collect?.()
}

/** In a large process, `collectGarbageNow(true)`; in a small one nothing (it has few pages to give back). */
export const releaseHeapPages = (): void => {
  if (releasesPages()) loadGc()?.(lastResort)
}
