/** A full collection as an effect, for a command that has let a run's data go (see ../collectGarbage.ts). */
import { Effect } from "effect"
import { collectGarbageNow } from "../collectGarbage.ts"

/**
 * Collect from a fresh turn of the event loop: within the turn that let the data go, the stack
 * still held it (at 40,000 papers a collection there kept 175 MB of heap, one from the next turn 49 MB).
 */
export const collectGarbage: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))).pipe(
  Effect.andThen(Effect.sync(() => collectGarbageNow(true)))
)
