/**
 * Progress on stderr: one line per finished stage (with count, rate and elapsed
 * time) so that a long run shows where it is; nothing under --quiet. Results go
 * to stdout only.
 */
export interface Progress {
  /** A stage has finished: its result, and how long it took since the previous stage. */
  stage(name: string, detail: string, count?: number): void
  /**
   * A stage is starting whose end matters to whoever watches (the store's write
   * transaction): printed before the work begins, so a killed run shows where it stopped.
   */
  begin(name: string, detail: string): void
}

export const makeProgress = (quiet: boolean, now: () => number = () => performance.now()): Progress => {
  const start = now()
  let last = start
  const write = (name: string, text: string) => {
    if (!quiet) process.stderr.write(`[papersort] ${name.padEnd(10)} ${text}\n`)
  }
  return {
    stage: (name, detail, count) => {
      const at = now()
      const seconds = (at - last) / 1000
      last = at
      const rate = count !== undefined && seconds > 0 ? `, ${Math.round(count / seconds).toLocaleString("en-US")}/s` : ""
      write(name, `${detail} (${seconds.toFixed(2)} s${rate}; ${((at - start) / 1000).toFixed(1)} s total)`)
    },
    begin: (name, detail) => write(name, detail)
  }
}
