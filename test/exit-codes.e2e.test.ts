import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { runCli, tempDir } from "./cli-helpers.ts"

/**
 * Loaded with `node --import` before papersort: `renameSync` fails as a dying disk
 * would, so the run hits an error that is no user's mistake.
 */
const FAILING_DISK = `import fs from "node:fs"
import { syncBuiltinESMExports } from "node:module"
fs.renameSync = () => { throw Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" }) }
syncBuiltinESMExports()
`

describe("papersort exit codes", () => {
  it("exits 1 with Effect CLI's message on an unknown flag", () => {
    const result = runCli(["run", "--no-such-flag"])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/Unrecognized flag: --no-such-flag in command papersort run/)
  })

  it("exits 1 on a value that cannot work", () => {
    const result = runCli(["run", "--k", "0", "--db", join(tempDir(), "never.duckdb")])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^papersort: --k 0 is not a number of clusters\n {2}Use --k auto/)
  })

  it("exits 2 on an internal failure, asking for a report", () => {
    const dir = tempDir("papersort-internal-")
    const preload = join(dir, "failing-disk.mjs")
    writeFileSync(preload, FAILING_DISK)
    const result = spawnSync(process.execPath, ["--import", preload, join(process.cwd(), "bin", "papersort.js"), "run", "--db", join(dir, "db.duckdb"), "--out", join(dir, "reports"), "--quiet"], {
      encoding: "utf8",
      timeout: 60_000
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/^papersort: internal error: .*EIO: i\/o error, rename/)
    expect(result.stderr).toMatch(/Please report this with the command you ran\.\n$/)
  })
})
