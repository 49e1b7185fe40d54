/**
 * Worker thread of the map stage's scoring passes (scoring.ts): scores the rows of a job
 * into the shared output with the same kernels as the main thread, on the kernel memory it
 * shares with the main thread (where the job's weights and rooms are laid out), and signals
 * through `control`.
 */
import { workerData } from "node:worker_threads"
import { RowKernels } from "../kernels/rowKernels.ts"
import { handedBytes, runScoreJob, type ScoreJob } from "../scoring.ts"
import { answerJobs } from "./answerJobs.ts"

const { collectFromBytes, control, memory } = workerData as { readonly collectFromBytes: number; readonly control: Int32Array; readonly memory: WebAssembly.Memory }
const kernels = new RowKernels(memory)

answerJobs<ScoreJob>(control, (job) => runScoreJob(kernels, job), (job) => handedBytes(job) >= collectFromBytes)
