/** Aligned plain-text tables for terminal output. */
export const formatTable = (columns: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<unknown>>): string => {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? "" : typeof cell === "object" ? JSON.stringify(cell) : String(cell))))
  const widths = columns.map((column, i) => Math.min(80, Math.max(column.length, ...cells.map((row) => row[i].length))))
  const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text)
  const line = (values: ReadonlyArray<string>) =>
    values.map((value, i) => {
      const text = clip(value.replace(/\s+/g, " "), widths[i])
      return /^-?[\d.,]+%?$/.test(value) ? text.padStart(widths[i]) : text.padEnd(widths[i])
    }).join("  ").trimEnd()
  return [line(columns), widths.map((width) => "-".repeat(width)).join("  "), ...cells.map(line)].join("\n")
}
