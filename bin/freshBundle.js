// Whether dist/papersort.js (pipeline/bundle.ts) may run: plain JavaScript, as it decides
// before any TypeScript is loaded.
import { existsSync, readdirSync, statSync } from "node:fs"

/** The newest modification time of what the bundle is made of: `pipeline/`, package.json and the installed packages. */
const newestSource = (root) => {
  let newest = 0
  const visit = (directory) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = new URL(entry.name + (entry.isDirectory() ? "/" : ""), directory)
      if (entry.isDirectory()) visit(path)
      else newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  visit(new URL("pipeline/", root))
  for (const file of ["package.json", "node_modules/.package-lock.json"]) {
    const path = new URL(file, root)
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/**
 * The bundle of the project at `root` (a file: URL ending in "/") when it is at least as new as
 * every source it was built from, else undefined: an edited source or a newer install runs from
 * the sources until the next `npm run build`.
 */
export const freshBundle = (root) => {
  const bundle = new URL("dist/papersort.js", root)
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(root) ? bundle : undefined
}
