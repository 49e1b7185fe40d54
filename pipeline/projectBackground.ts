/**
 * The report map's projection (project.ts) on a second thread, started once the map stage is
 * done: it needs only the TF-IDF matrix, which is in shared memory already, and the store
 * writes everything else while it runs (the coordinates go in last). At 200,000 papers the
 * projection took 2.6–4.3 s of the main thread between the map and the store.
 */
import { Worker } from "node:worker_threads"
import { pipelineFile } from "./paths.ts"
import { type Projection, projectPapers } from "./project.ts"
import type { SparseRows } from "./vectorize.ts"
import { sharedMatrix } from "./workerHandOff.ts"
import { replyOrInLine } from "./workerReply.ts"

/** Below this many papers the projection takes less time than a worker's start-up (~0.2 s). */
const BACKGROUND_MIN_PAPERS = 5_000

export type ProjectionReply = ({ readonly kind: "done" } & Projection) | { readonly kind: "failed"; readonly reason: string }

/**
 * `projectPapers(matrix, seed)`, computed on a worker thread while the caller goes on: the
 * same coordinates (the same code on the same shared rows). Small inputs, or a worker that
 * fails, run in line; the promise never rejects.
 */
export const projectInBackground = (matrix: SparseRows, seed: number): Promise<Projection> => {
  if (matrix.rows < BACKGROUND_MIN_PAPERS) return Promise.resolve(projectPapers(matrix, seed))
  let worker: Worker
  try {
    worker = new Worker(pipelineFile("workers/project.ts"), { workerData: { matrix: sharedMatrix(matrix), seed } })
    // A run that fails before it stores the coordinates must still exit.
    worker.unref()
  } catch {
    return Promise.resolve(projectPapers(matrix, seed))
  }
  return replyOrInLine<ProjectionReply, Projection>(worker, ({ x, y }) => ({ x, y }), () => projectPapers(matrix, seed))
}
