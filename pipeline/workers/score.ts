/**
 * Worker thread of the map stage's scoring passes (scoring.ts): scores the rows of a job
 * into the shared output with the same kernels as the main thread, and signals through
 * `control`.
 */
import { workerData } from "node:worker_threads"
import { RowKernels } from "../kernels/rowKernels.ts"
import { runScoreJob, type ScoreJob } from "../scoring.ts"
import { answerJobs } from "./answerJobs.ts"

const { control } = workerData as { readonly control: Int32Array }
const kernels = new RowKernels()

answerJobs<ScoreJob>(control, (job) => runScoreJob(kernels, job))
