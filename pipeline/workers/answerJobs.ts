/**
 * The worker side of the main thread's blocking hand-off (workerHandOff.ts): the
 * main thread posts a job, does its own share, then waits on `control[status]` with
 * Atomics.wait, since its event loop is busy. The worker says it has loaded, runs each job,
 * and sets that slot to `done` or `failed`.
 */
import { parentPort } from "node:worker_threads"
import { collectGarbageNow } from "../collectGarbage.ts"
import { HAND_OFF as slots } from "../workerHandOff.ts"

/**
 * `collectFirst(job)`: whether to collect this thread's garbage before answering the job. A job's
 * arrays in shared memory are freed only once every thread that was handed them has collected
 * them, and a worker allocates too little to collect on its own: the map's kept every pass's
 * arrays until the map ended (2 GB of them at a million papers). Collecting before the answer,
 * from the next turn (within this one the message still holds the job), leaves only the main
 * thread's own collection between them and the system, but the main thread waits for it (5-15 ms
 * each; 33 of them cost a 40k run 0.29 s), so it is for the jobs that hand over large arrays.
 */
export const answerJobs = <Job>(control: Int32Array, run: (job: Job) => void, collectFirst: (job: Job) => boolean = () => false) => {
  parentPort!.on("message", (job: Job) => {
    let status: number = slots.done
    try {
      run(job)
    } catch {
      status = slots.failed
    }
    const answer = () => {
      Atomics.store(control, slots.status, status)
      Atomics.notify(control, slots.status)
    }
    // A job it cannot even size is answered at once: the main thread must never wait on a throw.
    let collect = false
    try {
      collect = collectFirst(job)
    } catch {
      collect = false
    }
    if (!collect) return answer()
    setImmediate(() => {
      try {
        collectGarbageNow()
      } finally {
        answer()
      }
    })
  })
  Atomics.store(control, slots.ready, 1)
  Atomics.notify(control, slots.ready)
}
