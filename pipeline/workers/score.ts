/**
 * Worker thread of the map stage's scoring passes (scoring.ts): scores the rows of a job
 * into the shared output with the same kernels as the main thread, and signals through
 * `control`.
 */
import { parentPort, workerData } from "node:worker_threads"
import { countClassRange, scoreColumnRange, scoreRowRange } from "../rowScores.ts"
import { SCORE_CONTROL, type ScoreJob } from "../scoring.ts"

const { control } = workerData as { readonly control: Int32Array }

parentPort!.on("message", (job: ScoreJob) => {
  try {
    if (job.kind === "rows") scoreRowRange(job.matrix, job.weights, job.weighed, job.K, job.bias, job.out, job.from, job.to)
    else if (job.kind === "columns") scoreColumnRange(job.matrix, job.columns, job.K, job.out, job.from, job.to)
    else countClassRange(job.matrix, job.posterior, job.K, job.counts, job.fromClass, job.toClass)
    Atomics.store(control, SCORE_CONTROL.status, SCORE_CONTROL.done)
  } catch {
    Atomics.store(control, SCORE_CONTROL.status, SCORE_CONTROL.failed)
  }
  Atomics.notify(control, SCORE_CONTROL.status)
})
Atomics.store(control, SCORE_CONTROL.ready, 1)
Atomics.notify(control, SCORE_CONTROL.ready)
