/** Run the papersort CLI as a user would: through its bin, in a child process. */
import { spawnSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `script`: the command's entry point (default `bin/papersort.js`); `env`: added to this process's environment; `timeout`: ms before the command is killed. */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { input?: string; cwd?: string; script?: string; env?: Record<string, string>; timeout?: number } = {}
): CliResult => {
  const result = spawnSync(process.execPath, [options.script ?? join(process.cwd(), "bin", "papersort.js"), ...args], {
    encoding: "utf8",
    cwd: options.cwd ?? process.cwd(),
    input: options.input ?? "",
    env: { ...process.env, ...options.env },
    timeout: options.timeout,
    maxBuffer: 64 * 1024 * 1024
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export const tempDir = (prefix = "papersort-"): string => mkdtempSync(join(tmpdir(), prefix))

/** Read rows straight from a DuckDB file (read-only), independent of papersort's own code. */
export const readDb = async (file: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" })
  const connection = await instance.connect()
  try {
    const reader = await connection.runAndReadAll(sql)
    return reader.getRowObjectsJson() as Array<Record<string, unknown>>
  } finally {
    // An open connection keeps DuckDB's lock on the file after the instance closes.
    connection.closeSync()
    instance.closeSync()
  }
}
