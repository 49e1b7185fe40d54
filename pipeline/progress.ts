/**
 * Progress on stderr: one line per finished stage (with count, rate and elapsed
 * time) so that a long run shows where it is; nothing under --quiet. Results go
 * to stdout only. On a TTY, a long stage also shows a live bar (done, rate, ETA),
 * fed by `stageProgress` from inside the stage's loop.
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

type Ticker = (name: string, done: number, total: number, unit: string, note: string) => void

/**
 * The live bar of the newest non-quiet Progress on a TTY. Module state, so that pure stages
 * (keyphrases, vectorize, cluster) can report from their loops without a Progress in their
 * signatures; it only ever writes to stderr, never changes a result.
 */
let ticker: Ticker | undefined

/**
 * Where a long stage is: `done` of `total` units. Draws the bar on a TTY (at most 5 times a
 * second); does nothing otherwise, or under --quiet.
 */
export const stageProgress = (name: string, done: number, total: number, unit = "papers", note = ""): void => ticker?.(name, done, total, unit, note)

const BAR_WIDTH = 20

const formatSeconds = (seconds: number): string =>
  seconds < 90 ? `${Math.ceil(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`

/** One bar line: `[papersort] keyphrases [#####·····] 12,345/40,000 papers, 2,345/s, ETA 12 s`. */
export const barLine = (name: string, done: number, total: number, unit: string, note: string, seconds: number): string => {
  const share = total > 0 ? Math.min(1, done / total) : 0
  const filled = Math.round(share * BAR_WIDTH)
  const rate = seconds > 0 ? done / seconds : 0
  const eta = unit === "papers" && rate > 0 && done < total ? `, ETA ${formatSeconds((total - done) / rate)}` : ""
  const rateText = unit === "papers" && rate > 0 ? `, ${Math.round(rate).toLocaleString("en-US")}/s` : ""
  return `[papersort] ${name.padEnd(10)} [${"#".repeat(filled)}${"·".repeat(BAR_WIDTH - filled)}] ` +
    `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${unit}${rateText}${eta}${note ? `, ${note}` : ""}`
}

export const makeProgress = (
  quiet: boolean,
  now: () => number = () => performance.now(),
  live: boolean = process.stderr.isTTY === true
): Progress => {
  const start = now()
  let last = start
  let barShown = false
  let lastDrawn = -Infinity
  const clearBar = () => {
    if (barShown) process.stderr.write("\r\x1b[2K")
    barShown = false
  }
  const write = (name: string, text: string) => {
    if (quiet) return
    clearBar()
    process.stderr.write(`[papersort] ${name.padEnd(10)} ${text}\n`)
  }
  if (!quiet && live) {
    ticker = (name, done, total, unit, note) => {
      const at = now()
      if (at - lastDrawn < 200 && done < total) return
      lastDrawn = at
      const line = barLine(name, done, total, unit, note, (at - last) / 1000)
      const width = process.stderr.columns || 120
      process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, width - 1))}`)
      barShown = true
    }
  } else {
    ticker = undefined
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
