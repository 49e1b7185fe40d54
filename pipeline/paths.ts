/** Where papersort keeps things by default, relative to the project (not the shell's working directory). */
import { fileURLToPath } from "node:url"
import { join, relative } from "node:path"

const ROOT_URL = new URL("..", import.meta.url)
export const PROJECT_ROOT = fileURLToPath(ROOT_URL)
export const DEFAULT_TAXONOMY = join(PROJECT_ROOT, "taxonomy", "ml-research.yaml")
export const DEFAULT_DATABASE = join(PROJECT_ROOT, "data", "papersort.duckdb")
export const DEFAULT_REPORTS = join(PROJECT_ROOT, "reports")
export const BUNDLED_SAMPLE = join(PROJECT_ROOT, "data", "samples", "hf-daily-papers-page.txt")

/**
 * A file of `pipeline/` read at run time (a worker thread's script, the kernels' binary), by its
 * path from there. Found from the project, not from the module asking: in dist/papersort.js
 * (bundle.ts) every module's `import.meta.url` is the bundle's, and `dist/` sits beside `pipeline/`.
 */
export const pipelineFile = (path: string): URL => new URL(`pipeline/${path}`, ROOT_URL)

/** A path as a user would like to read it: relative to where they stand, when that is shorter. */
export const displayPath = (path: string): string => {
  const rel = relative(process.cwd(), path)
  return rel.length > 0 && rel.length < path.length && !rel.startsWith("..") ? rel : path
}
