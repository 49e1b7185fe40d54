/**
 * Worker thread of k-means' assignment step (cluster.ts): labels a fixed range of rows
 * against the centroids of each iteration, in shared memory, and signals the main thread
 * through `control`. Same arithmetic as the main thread's part, so the labels do not depend
 * on how the rows are split.
 */
import { workerData } from "node:worker_threads"
import { assignRange, type AssignJob, CONTROL, type SharedMatrix } from "../clusterAssign.ts"
import { RowKernels } from "../kernels/rowKernels.ts"
import { answerJobs } from "./answerJobs.ts"

const { matrix, control, labels, best, from, to } = workerData as {
  readonly matrix: SharedMatrix
  readonly control: Int32Array
  readonly labels: Int32Array
  readonly best: Float32Array
  readonly from: number
  readonly to: number
}
const kernels = new RowKernels()

answerJobs<AssignJob>(control, (job) => {
  control[CONTROL.changed] = assignRange(kernels, matrix, job.centroids, labels, best, from, to)
})
