/** Escaping and number formatting for the HTML report: every dump string goes through `html`. */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** Text safe in element content and in a double- or single-quoted attribute (also inside inline SVG). */
export const html = (text: unknown): string => String(text ?? "").replace(/[&<>"']/g, (char) => ENTITIES[char])

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` as \u escapes, so
 * no `</script>` or `<!--` can end the element early, and U+2028/2029 for old parsers.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029")

/** 40000 → "40,000", locale-free so the page is the same on every machine. */
export const count = (value: number): string => {
  const sign = value < 0 ? "-" : ""
  return sign + String(Math.round(Math.abs(value))).replace(/\B(?=(\d{3})+(?!\d))/g, ",")
}

/** "1 paper", "40,000 papers". */
export const papers = (value: number): string => `${count(value)} ${value === 1 ? "paper" : "papers"}`

export const signed = (value: number): string => (value > 0 ? `+${count(value)}` : value < 0 ? `−${count(-value)}` : "0")

export const score = (value: number | null | undefined): string =>
  typeof value === "number" && Number.isFinite(value) ? value.toFixed(2) : "–"

/** "2026-11-27T01:58:30.123Z" → "2026-11-27 01:58 UTC"; anything unparsable as given. */
export const dateTime = (iso: string): string => {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`
}

/** At most `max` characters, with an ellipsis when cut (SVG text does not wrap or clip by itself). */
export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1)).trimEnd()}…`

/** A coordinate rounded for the SVG source: a tenth of a pixel is below what a screen shows. */
export const px = (value: number): string => (Math.round(value * 10) / 10).toString()

/** Finite number or the fallback: data from a database may hold NULL or NaN. */
export const finite = (value: unknown, fallback = 0): number =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback

/**
 * Twelve colours for the largest topics (Tableau 10 without its grey, plus two dark
 * ones), told apart by most colour-blind readers in pairs; the rest are grey.
 */
export const PALETTE: ReadonlyArray<string> = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
  "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#8c6d31", "#393b79"
]
export const OTHER_COLOUR = "#bdbdbd"
