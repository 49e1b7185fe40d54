/**
 * Progress on stderr: one line per finished stage (with count, rate and elapsed
 * time) so that a long run shows where it is; nothing under --quiet. Results go
 * to stdout only.
 */
export interface Progress {
  stage(name: string, detail: string, count?: number): void
}

export const makeProgress = (quiet: boolean, now: () => number = () => performance.now()): Progress => {
  const start = now()
  let last = start
  return {
    stage: (name, detail, count) => {
      const at = now()
      const seconds = (at - last) / 1000
      last = at
      if (quiet) return
      const rate = count !== undefined && seconds > 0 ? `, ${Math.round(count / seconds).toLocaleString("en-US")}/s` : ""
      process.stderr.write(`[papersort] ${name.padEnd(10)} ${detail} (${seconds.toFixed(2)} s${rate}; ${((at - start) / 1000).toFixed(1)} s total)\n`)
    }
  }
}
