/** An Int32Array / Float32Array that doubles when full. */
export class Growable<T extends Int8Array | Int32Array | Float32Array | Float64Array> {
  length = 0
  data: T
  constructor(data: T) {
    this.data = data
  }
  ensure(size: number) {
    if (size <= this.data.length) return
    let capacity = this.data.length * 2
    while (capacity < size) capacity *= 2
    const next = new (this.data.constructor as new(length: number) => T)(capacity)
    next.set(this.data)
    this.data = next
  }
  push(value: number) {
    if (this.length === this.data.length) this.ensure(this.length + 1)
    this.data[this.length++] = value
  }
}
