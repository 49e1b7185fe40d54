/** Parse one file and print papers and peak RSS as JSON: the streaming-parse measurement of the bench. */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { parseFile } from "../pipeline/parse/index.ts"

const file = process.argv[2]
const started = performance.now()
const parsed = await Effect.runPromise(parseFile(file, { format: "auto", skipBadLines: false }).pipe(Effect.provide(NodeServices.layer)))
process.stdout.write(`${JSON.stringify({
  papers: parsed.papers.length,
  format: parsed.format,
  seconds: (performance.now() - started) / 1000,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024)
})}\n`)
