/**
 * `npm run build:kernels`: rowKernels.wat → rowKernels.wasm. The binary is committed, so a
 * run needs no compiler; test/rowKernels.test.ts fails when it no longer matches its source.
 */
import { readFileSync, writeFileSync } from "node:fs"
import wabt from "wabt"

export const KERNELS_SOURCE = new URL("./rowKernels.wat", import.meta.url)
export const KERNELS_BINARY = new URL("./rowKernels.wasm", import.meta.url)

/** SIMD, bulk memory (memory.fill) and threads (the memory is shared between two threads). */
const FEATURES = { simd: true, bulk_memory: true, threads: true }

/** The binary that `rowKernels.wat` compiles to. */
export const compileKernels = async (): Promise<Uint8Array> => {
  const compiler = await wabt()
  const module = compiler.parseWat("rowKernels.wat", readFileSync(KERNELS_SOURCE, "utf8"), FEATURES)
  try {
    // Its typings leave out the features validate takes (and needs, for a shared memory).
    ;(module.validate as (this: typeof module, features: typeof FEATURES) => void).call(module, FEATURES)
    return module.toBinary({}).buffer
  } finally {
    module.destroy()
  }
}

if (import.meta.main) {
  const binary = await compileKernels()
  writeFileSync(KERNELS_BINARY, binary)
  console.log(`rowKernels.wasm: ${binary.length} bytes`)
}
