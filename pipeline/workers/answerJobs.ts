/**
 * The worker side of the main thread's blocking hand-off (workerHandOff.ts): the
 * main thread posts a job, does its own share, then waits on `control[status]` with
 * Atomics.wait, since its event loop is busy. The worker says it has loaded, runs each job,
 * and sets that slot to `done` or `failed`.
 */
import { parentPort } from "node:worker_threads"
import { HAND_OFF as slots } from "../workerHandOff.ts"

export const answerJobs = <Job>(control: Int32Array, run: (job: Job) => void) => {
  parentPort!.on("message", (job: Job) => {
    try {
      run(job)
      Atomics.store(control, slots.status, slots.done)
    } catch {
      Atomics.store(control, slots.status, slots.failed)
    }
    Atomics.notify(control, slots.status)
  })
  Atomics.store(control, slots.ready, 1)
  Atomics.notify(control, slots.ready)
}
