import { twoThreadScoring } from "../pipeline/scoring.ts"
import { collectGarbageNow } from "../pipeline/collectGarbage.ts"
import { softmaxRows } from "../pipeline/dataless.ts"
import { seededRandom } from "../pipeline/random.ts"
const rows = 12_000, perRow = 90, cols = 20_000
const random = seededRandom(1)
const offsets = Int32Array.from({ length: rows + 1 }, (_, r) => r * perRow)
const indices = Int32Array.from({ length: rows * perRow }, (_, p) => (p * 7919 + Math.floor(random() * 10)) % cols)
for (let r = 0; r < rows; r++) indices.subarray(r * perRow, (r + 1) * perRow).sort()
const values = Float32Array.from({ length: rows * perRow }, () => random())
const matrix = { rows, cols, offsets, indices, values }
const K = 64
const posterior = softmaxRows(Float32Array.from({ length: rows * K }, () => random()), K, 1)
const ab = () => Math.round(process.memoryUsage().arrayBuffers / 1048576)
const scoring = twoThreadScoring(0)
scoring.counts(matrix, posterior, K)
collectGarbageNow()
console.log("before", ab())
for (let pass = 0; pass < 8; pass++) { scoring.counts(matrix, posterior, K); }
collectGarbageNow()
console.log("after 8", ab(), scoring.passesOnWorker())
await new Promise((r) => setTimeout(r, 100))
collectGarbageNow()
console.log("after 100 ms", ab())
scoring.close()
