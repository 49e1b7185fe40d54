/** Small real inputs shared by the stage tests. */
import { readFileSync } from "node:fs"
import { Effect } from "effect"
import type { Paper, Taxonomy } from "../pipeline/domain.ts"
import { parseHfPage } from "../pipeline/parse/hfPage.ts"
import { parseTaxonomy } from "../pipeline/taxonomy.ts"

export const samplePapers = (): ReadonlyArray<Paper> =>
  Effect.runSync(parseHfPage(readFileSync("test/fixtures/hf-daily-papers-page.txt", "utf8"), "hf-daily-papers-page.txt"))

export const mlTaxonomy = (): Taxonomy =>
  Effect.runSync(parseTaxonomy(readFileSync("taxonomy/ml-research.yaml", "utf8"), "taxonomy/ml-research.yaml")).taxonomy

export const paperNamed = (papers: ReadonlyArray<Paper>, start: string): number => {
  const index = papers.findIndex((paper) => paper.title.startsWith(start))
  if (index < 0) throw new Error(`no paper starts with ${start}`)
  return index
}
