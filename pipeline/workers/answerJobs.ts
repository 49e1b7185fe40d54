/**
 * The worker side of the main thread's blocking hand-off (workerHandOff.ts): the
 * main thread posts a job, does its own share, then waits on `control[status]` with
 * Atomics.wait, since its event loop is busy. The worker says it has loaded, runs each job,
 * and sets that slot to `done` or `failed`.
 */
import { parentPort } from "node:worker_threads"
import { collectGarbageNow } from "../collectGarbage.ts"
import { HAND_OFF as slots } from "../workerHandOff.ts"

export const answerJobs = <Job>(control: Int32Array, run: (job: Job) => void) => {
  parentPort!.on("message", (job: Job) => {
    let status: number = slots.done
    try {
      run(job)
    } catch {
      status = slots.failed
    }
    // A job's arrays are in shared memory, freed only once every thread that was handed them has
    // collected them; this thread allocates too little to collect on its own, and kept every
    // pass's arrays until it ended (2 GB of them in a million-paper map). So it collects before it
    // answers, from the next turn (within this one the message still holds the job): when the
    // main thread goes on, only its own collection stands between the arrays and the system.
    setImmediate(() => {
      collectGarbageNow()
      Atomics.store(control, slots.status, status)
      Atomics.notify(control, slots.status)
    })
  })
  Atomics.store(control, slots.ready, 1)
  Atomics.notify(control, slots.ready)
}
