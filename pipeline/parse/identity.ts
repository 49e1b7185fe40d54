/**
 * Paper identity: the arXiv id without version when known, else `t:` + 16 hex of
 * SHA-256 over the normalised title. The same paper from two dumps gets one id.
 */
import { createHash } from "node:crypto"
import { collapseWhitespace } from "../text.ts"

const NEW_STYLE_ID = /(?:^|[/:\s])(\d{4}\.\d{4,5})(?:v\d+)?(?=$|[\s/?#.])/
const OLD_STYLE_ID = /(?:^|[/:\s])([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?(?=$|[\s/?#])/

/** The arXiv id in a bare id, an `arXiv:` reference or an abs/pdf URL, without its version. */
export const arxivIdOf = (raw: string | number | null | undefined): string | null => {
  if (raw === null || raw === undefined) return null
  const text = ` ${String(raw).trim()}`
  const match = NEW_STYLE_ID.exec(text) ?? OLD_STYLE_ID.exec(text)
  return match ? match[1] : null
}

/** The title as identity sees it: lower-case, white space collapsed. */
export const normalizedTitle = (title: string): string => collapseWhitespace(title).toLowerCase()

export const titleId = (title: string): string =>
  `t:${createHash("sha256").update(normalizedTitle(title)).digest("hex").slice(0, 16)}`

export const paperIdOf = (arxivId: string | null, title: string): string => arxivId ?? titleId(title)
