/** Order statistics without sorting. */
/**
 * The value a sort would put at `nth` (0-based), by quickselect (Hoare partitions, middle
 * pivot), reordering `values`: linear time, where sorting (every k-means centroid's terms,
 * every leaf centroid's) cost a tenth of the stage.
 */
export const nthSmallest = (values: Float64Array, nth: number): number => {
  let low = 0
  let high = values.length - 1
  while (low < high) {
    const pivot = values[(low + high) >>> 1]
    let i = low
    let j = high
    while (i <= j) {
      while (values[i] < pivot) i++
      while (values[j] > pivot) j--
      if (i <= j) {
        const swap = values[i]
        values[i++] = values[j]
        values[j--] = swap
      }
    }
    if (nth <= j) high = j
    else if (nth >= i) low = i
    else return values[nth]
  }
  return values[nth]
}
