/**
 * Worker thread of the map stage's scoring passes (scoring.ts): scores the rows of a job
 * into the shared output with the same kernels as the main thread, and signals through
 * `control`.
 */
import { workerData } from "node:worker_threads"
import { countClassRange, scoreColumnRange, scoreRowRange } from "../rowScores.ts"
import type { ScoreJob } from "../scoring.ts"
import { answerJobs } from "./answerJobs.ts"

const { control } = workerData as { readonly control: Int32Array }

answerJobs<ScoreJob>(control, (job) => {
  if (job.kind === "rows") scoreRowRange(job.matrix, job.weights, job.weighed, job.K, job.bias, job.out, job.from, job.to)
  else if (job.kind === "columns") scoreColumnRange(job.matrix, job.columns, job.K, job.out, job.from, job.to)
  else countClassRange(job.matrix, job.posterior, job.K, job.counts, job.fromClass, job.toClass)
})
