/**
 * The main thread's side of handing half of a pass to a worker thread (k-means'
 * assignment, the map's scoring passes). The main thread's event loop is busy with the
 * pass, so the hand-off is synchronous: post the job, do this thread's share, then wait on a
 * slot in shared memory that the worker (workers/answerJobs.ts) sets when it is done. A
 * worker that does not load within 15 s, or fails a job, is dropped and its share is done
 * here, so a result never depends on the worker.
 */
import { type MessagePort, Worker } from "node:worker_threads"
import type { SparseRows } from "./vectorize.ts"

/** Slots of the control Int32Array and the values of its status slot; slots from 2 on are the job's own. */
export const HAND_OFF = { ready: 0, status: 1, idle: 0, done: 1, failed: 2 } as const

/** How long the main thread waits for a new worker to load before doing all the work itself. */
const START_MS = 15_000

/**
 * The array in shared memory (a copy, unless it is there already): a worker reads the
 * largest arrays of a run without a copy of its own.
 */
export const shared = <T extends Int32Array | Float32Array>(array: T): T => {
  if (array.buffer instanceof SharedArrayBuffer) return array
  const out = new (array.constructor as new(buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength))
  out.set(array)
  return out
}

/** A sparse matrix whose arrays are in shared memory (copied there unless they are already): what a worker reads. */
export const sharedMatrix = (matrix: SparseRows): SparseRows => ({
  ...matrix,
  offsets: shared(matrix.offsets),
  indices: shared(matrix.indices),
  values: shared(matrix.values)
})

/** The first row of a sparse matrix's second half by non-zeros: the cost of a pass is per non-zero. */
export const middleRow = (offsets: Int32Array, rows: number): number => {
  let middle = 0
  while (middle < rows && offsets[middle] < offsets[rows] / 2) middle++
  return middle
}

export interface HandOff {
  /**
   * Whether the worker is there: the first time, waits for it to load, or with `wait` false
   * answers false while it is still loading (it is used from a later call once loaded).
   */
  available(wait?: boolean): boolean
  /**
   * `job` on the worker while this thread runs `own`; `workersPart` here instead when there
   * is no worker or it fails. True when the worker did its part.
   */
  run(job: unknown, own: () => void, workersPart: () => void): boolean
  close(): void
}

/** A worker loading `url` with `workerData` (which must hold `control`; ports in it go in `transferList`). */
export const startHandOff = (url: URL, workerData: Record<string, unknown>, control: Int32Array, transferList: ReadonlyArray<MessagePort> = []): HandOff => {
  let worker: Worker | undefined = new Worker(url, { workerData, transferList: [...transferList] })
  // A run that fails or ends without closing this must still exit.
  worker.unref()
  let loaded = false
  const close = () => {
    if (worker !== undefined) void worker.terminate()
    worker = undefined
  }
  const available = (wait = true) => {
    if (worker !== undefined && !loaded) {
      if (!wait && control[HAND_OFF.ready] !== 1) return false
      loaded = Atomics.wait(control, HAND_OFF.ready, 0, START_MS) !== "timed-out" || control[HAND_OFF.ready] === 1
      if (!loaded) close()
    }
    return worker !== undefined
  }
  return {
    available,
    run: (job, own, workersPart) => {
      if (!available()) {
        own()
        workersPart()
        return false
      }
      Atomics.store(control, HAND_OFF.status, HAND_OFF.idle)
      worker!.postMessage(job)
      own()
      while (Atomics.load(control, HAND_OFF.status) === HAND_OFF.idle) Atomics.wait(control, HAND_OFF.status, HAND_OFF.idle, 1000)
      if (control[HAND_OFF.status] === HAND_OFF.done) return true
      // The worker failed on this job: do its part here, and go on without it.
      close()
      workersPart()
      return false
    },
    close
  }
}
