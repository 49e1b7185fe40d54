/**
 * Worker thread of k-means (clusterAssign.ts): labels a fixed range of rows against the
 * centroids of each iteration, in shared memory, or computes the centroids of a range of
 * clusters and posts them on `port`; it signals the main thread through `control`. Same
 * arithmetic as the main thread's part, so neither labels nor centroids depend on the split.
 */
import { type MessagePort, workerData } from "node:worker_threads"
import { assignRange, type AssignJob, CONTROL, type SharedMatrix } from "../clusterAssign.ts"
import { type CentroidScratch, centroidScratch, centroidsOf } from "../clusterCentroids.ts"
import { RowKernels } from "../kernels/rowKernels.ts"
import { answerJobs } from "./answerJobs.ts"

const { matrix, control, labels, best, from, to, port } = workerData as {
  readonly matrix: SharedMatrix
  readonly control: Int32Array
  readonly port: MessagePort
  readonly labels: Int32Array
  readonly best: Float32Array
  readonly from: number
  readonly to: number
}
const kernels = new RowKernels()

let scratch: CentroidScratch | undefined

answerJobs<AssignJob>(control, (job) => {
  if (job.kind === "assign") {
    control[CONTROL.changed] = assignRange(kernels, matrix, job.centroids, labels, best, from, to)
    return
  }
  scratch ??= centroidScratch(job.cols)
  port.postMessage(centroidsOf(matrix, job, job.from, job.to, scratch, job.limit))
})
