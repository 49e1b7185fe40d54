/** Seeded randomness: every random choice of a run comes from `--seed`, so runs repeat exactly. */
export type Random = () => number

/** mulberry32: a small, fast 32-bit generator, plenty for sampling and k-means++. */
export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` distinct indices of 0 … n-1 in random order (all of them when count ≥ n). */
export const sampleIndices = (n: number, count: number, random: Random): Int32Array => {
  const all = Int32Array.from({ length: n }, (_, i) => i)
  const take = Math.min(n, count)
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (n - i))
    const swap = all[i]
    all[i] = all[j]
    all[j] = swap
  }
  return all.subarray(0, take)
}
