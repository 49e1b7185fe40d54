/**
 * Ctrl-C during long synchronous work. The Effect runtime answers SIGINT and SIGTERM by
 * interrupting the program, which rolls a store's transaction back; but its listener runs
 * on this thread, so while the classification holds the thread (minutes for a million
 * papers) a Ctrl-C would wait for it to end. The classification writes nothing, so it runs
 * with both signals at their default action instead: the process ends at once, as a killed
 * one does, and the database is as it was (DuckDB discards the run's uncommitted transaction,
 * which holds its papers only, on the next open). The listeners come back
 * as soon as the work returns. (A signal that arrives in the instant before the work starts,
 * still queued for the listener, is dropped with it: a second Ctrl-C then ends the process.)
 */
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const

/** `work()` with SIGINT and SIGTERM ending the process at once (see above); it must write nothing. */
export const stoppableAtOnce = <A>(work: () => A): A => {
  const listeners = STOP_SIGNALS.map((signal) => [signal, process.listeners(signal)] as const)
  // With no listener left, Node gives the signal its default action again.
  for (const [signal] of listeners) process.removeAllListeners(signal)
  try {
    return work()
  } finally {
    for (const [signal, saved] of listeners) for (const listener of saved) process.on(signal, listener)
  }
}
