/**
 * Normalise and de-duplicate: one paper, one record. Papers meet on their arXiv id;
 * a paper without one (the `hf-page` format has no ids) meets an id'd copy of
 * itself on the normalised title. Later copies add metadata, never a second record.
 */
import type { Paper } from "./domain.ts"
import { normalizedTitle } from "./parse/identity.ts"

const merge = (kept: Paper, other: Paper): Paper => ({
  ...kept,
  arxivId: kept.arxivId ?? other.arxivId,
  paperId: kept.arxivId !== null ? kept.paperId : other.arxivId !== null ? other.paperId : kept.paperId,
  abstract: kept.abstract.length >= other.abstract.length ? kept.abstract : other.abstract,
  authors: kept.authors.length > 0 ? kept.authors : other.authors,
  published: kept.published ?? other.published,
  categories: kept.categories.length > 0 ? kept.categories : other.categories,
  extra: kept.extra === null ? other.extra : other.extra === null ? kept.extra : { ...other.extra, ...kept.extra }
})

export interface DedupeResult {
  readonly papers: ReadonlyArray<Paper>
  readonly duplicates: number
  /**
   * Per kept paper, the input paper whose title and abstract it has, or -1 when a merge gave it
   * one paper's title and another's abstract: the keyphrases of the input, extracted as it was
   * parsed, are the kept papers' but for those (keyphrasesBackground.ts).
   */
  readonly sources: Int32Array
}

/** Merge duplicates, keeping the order in which papers first appeared. */
export const dedupePapers = (papers: ReadonlyArray<Paper>): DedupeResult => {
  const byTitle = new Map<string, number>()
  const byArxivId = new Map<string, number>()
  const kept: Array<Paper> = []
  const sources = new Int32Array(papers.length)
  for (let index = 0; index < papers.length; index++) {
    const paper = papers[index]
    const title = normalizedTitle(paper.title)
    const slot = (paper.arxivId !== null ? byArxivId.get(paper.arxivId) : undefined) ??
      (() => {
        const sameTitle = byTitle.get(title)
        // Two different arXiv ids with one title are two papers; otherwise the title decides.
        if (sameTitle === undefined) return undefined
        const other = kept[sameTitle]
        return other.arxivId !== null && paper.arxivId !== null && other.arxivId !== paper.arxivId ? undefined : sameTitle
      })()
    if (slot === undefined) {
      byTitle.set(title, kept.length)
      if (paper.arxivId !== null) byArxivId.set(paper.arxivId, kept.length)
      sources[kept.length] = index
      kept.push(paper)
    } else {
      const merged = merge(kept[slot], paper)
      // The abstract is the longer one: the other copy's, with its title, or neither's pair.
      if (merged.abstract !== kept[slot].abstract) sources[slot] = merged.title === paper.title ? index : -1
      kept[slot] = merged
      if (kept[slot].arxivId !== null) byArxivId.set(kept[slot].arxivId!, slot)
    }
  }
  return { papers: kept, duplicates: papers.length - kept.length, sources: sources.slice(0, kept.length) }
}
