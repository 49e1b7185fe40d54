#!/usr/bin/env -S node --max-old-space-size=12288
// A million papers' texts, keyphrases and topics take more than V8's default 4 GB heap:
// the command allows 12 GB (scripts and the bench pass the same flag).
// The papersort command: dist/papersort.js (`npm run build`, also run by `npm install`) while it
// is newer than every source it was built from, else the TypeScript sources, on Node 22's type
// stripping. PAPERSORT_FROM_SOURCES=1 runs the sources in any case.
import module from "node:module"
import { freshBundle } from "./freshBundle.js"

// Node keeps the compiled modules between commands (in the system's temporary folder, checked
// against the sources): from the sources, start-up 0.80 → 0.71 s (mean of eight `papersort --version`).
module.enableCompileCache?.()

const bundle = process.env.PAPERSORT_FROM_SOURCES === "1" ? undefined : freshBundle(new URL("../", import.meta.url))
// From the bundle an internal error's stack names the bundle's lines; `node --enable-source-maps
// bin/papersort.js …` names the sources' (dist/papersort.js.map), at 0.15 s more start-up.
await import(bundle?.href ?? "../pipeline/cli.ts")
