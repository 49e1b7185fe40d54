/**
 * `npm run build` (and `npm install`, through `prepare`): the command and every module it
 * imports in one file, `dist/papersort.js`, which `bin/papersort.js` runs while it is newer
 * than the sources. Node resolves, reads and links some 700 modules to start the command from
 * its sources (effect alone is 281, DuckDB's client 181) and strips the types of papersort's
 * own: `papersort --version` took 1.04 s that way and 0.23 s from the bundle (means of eight),
 * 0.8 s saved on every command, a remap's included. Node reading the source map at start-up
 * cost 0.15 s more, so it is there for `node --enable-source-maps` only.
 *
 * DuckDB's native binding and `natural` (required by path, see text.ts) stay outside; the
 * worker threads run from their sources (`pipeline/workers`), which `dist/` sits beside.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { PROJECT_ROOT } from "./paths.ts"

export const BUNDLE = join(PROJECT_ROOT, "dist", "papersort.js")
const ENTRY = join(PROJECT_ROOT, "pipeline", "cli.ts")

/** Write the bundle to `file` (default `dist/papersort.js`); its size in bytes. */
export const buildBundle = async (file: string = BUNDLE): Promise<number> => {
  const { build } = await import("rolldown")
  // Written beside it first, then renamed into place (its source map first): a command starting
  // meanwhile reads the old bundle or the new one, never half of one.
  mkdirSync(dirname(file), { recursive: true })
  const building = mkdtempSync(join(dirname(file), ".building-"))
  try {
    const built = join(building, basename(file))
    await build({
      input: ENTRY,
      platform: "node",
      logLevel: "warn",
      external: [/^@duckdb\/node-bindings/, /^natural(\/|$)/],
      output: { file: built, format: "esm", sourcemap: true }
    })
    renameSync(`${built}.map`, `${file}.map`)
    renameSync(built, file)
    return statSync(file).size
  } finally {
    rmSync(building, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  // `--if-possible` (the install's `prepare`): no bundler or a failed build is a note on stdout
  // (the install hides this script's stderr: a Node without type stripping fails to start it), not
  // a failed install; bin/papersort.js then runs the sources, only slower to start.
  const ifPossible = process.argv.includes("--if-possible")
  const started = performance.now()
  try {
    const bytes = await buildBundle()
    console.log(`papersort: ${BUNDLE} (${(bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  } catch (error) {
    if (!ifPossible) throw error
    console.log(`papersort: no dist/papersort.js (${error instanceof Error ? error.message : String(error)}); the command runs from its sources`)
  }
}
