/**
 * Worker thread of k-means' assignment step (cluster.ts): labels a fixed range of rows
 * against the centroids of each iteration, in shared memory, and signals the main thread
 * through `control`. Same arithmetic as the main thread's part, so the labels do not depend
 * on how the rows are split.
 */
import { parentPort, workerData } from "node:worker_threads"
import { assignRange, type AssignJob, CONTROL, type SharedMatrix } from "../clusterAssign.ts"

const { matrix, control, labels, best, from, to } = workerData as {
  readonly matrix: SharedMatrix
  readonly control: Int32Array
  readonly labels: Int32Array
  readonly best: Float32Array
  readonly from: number
  readonly to: number
}

parentPort!.on("message", (job: AssignJob) => {
  try {
    control[CONTROL.changed] = assignRange(matrix, job.columns, job.k, labels, best, from, to)
    Atomics.store(control, CONTROL.status, CONTROL.done)
  } catch {
    Atomics.store(control, CONTROL.status, CONTROL.failed)
  }
  Atomics.notify(control, CONTROL.status)
})
Atomics.store(control, CONTROL.ready, 1)
Atomics.notify(control, CONTROL.ready)
