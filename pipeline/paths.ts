/** Where papersort keeps things by default, relative to the project (not the shell's working directory). */
import { fileURLToPath } from "node:url"
import { join, relative } from "node:path"

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url))
export const DEFAULT_TAXONOMY = join(PROJECT_ROOT, "taxonomy", "ml-research.yaml")
export const DEFAULT_DATABASE = join(PROJECT_ROOT, "data", "papersort.duckdb")
export const DEFAULT_REPORTS = join(PROJECT_ROOT, "reports")
export const BUNDLED_SAMPLE = join(PROJECT_ROOT, "data", "samples", "hf-daily-papers-page.txt")

/** A path as a user would like to read it: relative to where they stand, when that is shorter. */
export const displayPath = (path: string): string => {
  const rel = relative(process.cwd(), path)
  return rel.length > 0 && rel.length < path.length && !rel.startsWith("..") ? rel : path
}
