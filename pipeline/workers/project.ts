/**
 * Worker thread of projectInBackground (projectBackground.ts): projects the shared matrix's
 * rows and sends the two coordinate arrays back (moved, not copied).
 */
import { parentPort, workerData } from "node:worker_threads"
import type { ProjectionReply } from "../projectBackground.ts"
import { projectPapers } from "../project.ts"
import type { SparseRows } from "../vectorize.ts"

const { matrix, seed } = workerData as { readonly matrix: SparseRows; readonly seed: number }
try {
  const { x, y } = projectPapers(matrix, seed)
  parentPort!.postMessage({ kind: "done", x, y } satisfies ProjectionReply, [x.buffer as ArrayBuffer, y.buffer as ArrayBuffer])
} catch (error) {
  parentPort!.postMessage({ kind: "failed", reason: String(error) } satisfies ProjectionReply)
}
