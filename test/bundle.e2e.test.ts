import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { freshBundle } from "../bin/freshBundle.js"
import { BUNDLE, buildBundle } from "../pipeline/bundle.ts"
import { pipelineFile } from "../pipeline/paths.ts"
import { runCli, tempDir } from "./cli-helpers.ts"

const BIN = join(process.cwd(), "bin", "papersort.js")
const REPORTS = ["papers.csv", "topics.csv", "clusters.csv", "suggestions.csv"]

/** A `papersort run` of the bundled sample by `script`; the text of its four CSV reports. */
const sampleRun = (script: string, env: Record<string, string> = {}) => {
  const dir = tempDir("papersort-bundle-")
  const result = runCli(["run", "--db", join(dir, "db.duckdb"), "--out", join(dir, "reports"), "--quiet"], { script, env, timeout: 120_000 })
  expect(result.stderr).toBe("")
  expect(result.status).toBe(0)
  return REPORTS.map((file) => readFileSync(join(dir, "reports", "latest", file), "utf8"))
}

describe("dist/papersort.js, the command in one file", () => {
  it("sorts the sample into the same reports as the sources", async () => {
    await buildBundle()
    const fromBundle = sampleRun(BUNDLE)
    const fromSources = sampleRun(BIN, { PAPERSORT_FROM_SOURCES: "1" })
    expect(fromBundle).toEqual(fromSources)
    expect(fromBundle[0].split("\n").length).toBeGreaterThan(91)
  }, 240_000)

  it("finds the worker scripts and the kernels by their place in pipeline/, as the bundle in dist/ must", () => {
    for (const file of ["workers/assign.ts", "workers/keyphrases.ts", "workers/project.ts", "workers/score.ts", "kernels/rowKernels.wasm"]) {
      expect(existsSync(pipelineFile(file)), file).toBe(true)
    }
  })
})

describe("which one bin/papersort.js runs", () => {
  /** A project tree of a bundle, two sources and the install's lockfile, each `seconds` old. */
  const project = (seconds: Record<string, number>) => {
    const root = tempDir("papersort-fresh-")
    const now = Date.now() / 1000
    for (const [file, age] of Object.entries(seconds)) {
      const path = join(root, file)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, "")
      utimesSync(path, now - age, now - age)
    }
    return pathToFileURL(`${root}/`)
  }
  const files = { "dist/papersort.js": 10, "pipeline/cli.ts": 60, "pipeline/workers/score.ts": 60, "package.json": 60, "node_modules/.package-lock.json": 60 }

  it("the bundle, when it is newer than every source", () => {
    const root = project(files)
    expect(freshBundle(root)?.href).toBe(new URL("dist/papersort.js", root).href)
  })

  it("the sources, when one of them (however deep), package.json or the install is newer, or there is no bundle", () => {
    for (const newer of ["pipeline/workers/score.ts", "pipeline/cli.ts", "package.json", "node_modules/.package-lock.json"]) {
      expect(freshBundle(project({ ...files, [newer]: 1 })), newer).toBeUndefined()
    }
    const { "dist/papersort.js": _bundle, ...sourcesOnly } = files
    expect(freshBundle(project(sourcesOnly))).toBeUndefined()
  })
})
