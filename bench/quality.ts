/**
 * `npm run bench:quality`: does papersort put real papers where experts put them,
 * with a taxonomy nobody tuned? Classifies the arXiv dev set (../shared/data) with
 * taxonomy/arxiv-cs.yaml and compares our primary topic with each paper's primary
 * arXiv category. Prints one table — our method, the nearest-node baseline and
 * the majority class — and writes reports/bench-quality.json.
 *
 * Options: --papers N (default all 40,000), --offset N (first paper, default 0),
 * --k N (k-means clusters, default 40: the k of the scikit-learn reference),
 * --map JSON (overrides of DEFAULT_MAP, for ablations), --sample (also print the
 * bundled sample's assignments under taxonomy/ml-research.yaml).
 *
 * Metrics, over the papers whose primary category is a leaf of the taxonomy:
 * accuracy (our primary = their primary), lenient (our primary is one of their
 * categories), macro-F1 over the categories with at least 20 such papers, and the
 * V-measure of a partition against the primary categories (ours: the k-means
 * clusters; the baselines: their assignments).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Result } from "effect"
import { classify, DEFAULT_CLASSIFY, taxonomyTerms } from "../pipeline/classify.ts"
import type { Paper, Taxonomy } from "../pipeline/domain.ts"
import { argmaxRow } from "../pipeline/dataless.ts"
import { scoreRows } from "../pipeline/rowScores.ts"
import { DEFAULT_MAP, leafSeeds, type MapOptions } from "../pipeline/map.ts"
import { parseHfPage } from "../pipeline/parse/hfPage.ts"
import { parseJsonlLine } from "../pipeline/parse/jsonl.ts"
import { formatTable } from "../pipeline/table.ts"
import { leavesOf, parseTaxonomy } from "../pipeline/taxonomy.ts"
import { DEFAULT_VECTORIZE, defaultMinDf, fitTransform } from "../pipeline/vectorize.ts"

const root = join(import.meta.dirname, "..")
export const DEV_SET = join(root, "..", "shared", "data", "arxiv-cs-dev.jsonl")

/** arXiv lists these pairs together on every paper: one category each. */
const ALIASES: Readonly<Record<string, string>> = { "math.IT": "cs.IT", "eess.SY": "cs.SY", "math.NA": "cs.NA" }
export const canonicalCategory = (category: string): string => ALIASES[category] ?? category

/** Papers `offset … offset + limit - 1` of a labelled JSONL file, through the pipeline's own parser. */
export const loadLabelledPapers = (file: string, offset = 0, limit = Infinity): Array<Paper> => {
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.trim().length > 0)
  return lines.slice(offset, offset + limit).map((line, i) => {
    const parsed = parseJsonlLine(line, file, offset + i + 1)
    if (Result.isFailure(parsed)) throw new Error(`${file}:${offset + i + 1}: ${parsed.failure.reason}`)
    return { ...parsed.success, categories: parsed.success.categories.map(canonicalCategory) }
  })
}

export const loadTaxonomyFile = (file: string): Taxonomy =>
  Effect.runSync(parseTaxonomy(readFileSync(file, "utf8"), file)).taxonomy

/** V-measure (Rosenberg & Hirschberg, 2007) of a partition against the true classes. */
export const vMeasure = (truth: ReadonlyArray<string>, partition: ReadonlyArray<string | number>): number => {
  const n = truth.length
  const count = (keys: ReadonlyArray<string>) => {
    const counts = new Map<string, number>()
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1)
    return counts
  }
  const classes = count(truth)
  const clusters = count(partition.map(String))
  const joint = count(truth.map((label, i) => `${label}\u0000${partition[i]}`))
  const entropy = (counts: Map<string, number>) => -[...counts.values()].reduce((sum, c) => sum + (c / n) * Math.log(c / n), 0)
  let classGivenCluster = 0
  let clusterGivenClass = 0
  for (const [key, c] of joint) {
    const [label, cluster] = key.split("\u0000")
    classGivenCluster -= (c / n) * Math.log(c / clusters.get(cluster)!)
    clusterGivenClass -= (c / n) * Math.log(c / classes.get(label)!)
  }
  const hClass = entropy(classes)
  const hCluster = entropy(clusters)
  const homogeneity = hClass === 0 ? 1 : 1 - classGivenCluster / hClass
  const completeness = hCluster === 0 ? 1 : 1 - clusterGivenClass / hCluster
  return homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness)
}

export interface Quality {
  /** Papers whose primary category is a leaf of the taxonomy: the ones scored. */
  readonly papers: number
  readonly accuracy: number
  readonly lenient: number
  readonly macroF1: number
  readonly vMeasure: number | null
  /** F1, predictions and support per category counted in macro-F1. */
  readonly perCategory: Record<string, { readonly f1: number; readonly predicted: number; readonly support: number }>
}

/** Quality of primary topics (`predicted[i]` for `papers[i]`) against the papers' arXiv categories. */
export const qualityOf = (
  papers: ReadonlyArray<Paper>,
  leafIds: ReadonlySet<string>,
  predicted: ReadonlyArray<string>,
  partition?: ReadonlyArray<string | number>,
  minSupport = 20
): Quality => {
  const scored = papers.flatMap((paper, i) => (leafIds.has(paper.categories[0]) ? [i] : []))
  const support = new Map<string, number>()
  const predictedCount = new Map<string, number>()
  const correct = new Map<string, number>()
  let hits = 0
  let lenientHits = 0
  for (const i of scored) {
    const truth = papers[i].categories[0]
    support.set(truth, (support.get(truth) ?? 0) + 1)
    predictedCount.set(predicted[i], (predictedCount.get(predicted[i]) ?? 0) + 1)
    if (predicted[i] === truth) {
      hits++
      correct.set(truth, (correct.get(truth) ?? 0) + 1)
    }
    if (papers[i].categories.includes(predicted[i])) lenientHits++
  }
  const perCategory: Record<string, { f1: number; predicted: number; support: number }> = {}
  for (const [category, count] of [...support].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    if (count < minSupport) continue
    const p = predictedCount.get(category) ?? 0
    perCategory[category] = { f1: (2 * (correct.get(category) ?? 0)) / (p + count), predicted: p, support: count }
  }
  const f1s = Object.values(perCategory).map(({ f1 }) => f1)
  const n = scored.length
  return {
    papers: n,
    accuracy: n > 0 ? hits / n : 0,
    lenient: n > 0 ? lenientHits / n : 0,
    macroF1: f1s.length > 0 ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    vMeasure: partition ? vMeasure(scored.map((i) => papers[i].categories[0]), scored.map((i) => partition[i])) : null,
    perCategory
  }
}

/** The baseline of the issue: each paper to the leaf whose own TF-IDF text is most cosine-similar. */
export const nearestNode = (papers: ReadonlyArray<Paper>, taxonomy: Taxonomy): Array<string> => {
  const { matrix, model } = fitTransform(papers, { ...DEFAULT_VECTORIZE, minDf: defaultMinDf(papers.length), keepTerms: taxonomyTerms(taxonomy) })
  const leaves = leavesOf(taxonomy)
  const similarity = scoreRows(matrix, leafSeeds(model, taxonomy, leaves), leaves.length)
  return Array.from({ length: matrix.rows }, (_, r) => leaves[argmaxRow(similarity, r * leaves.length, leaves.length)].id)
}

/** The other baseline: every paper to the most common primary category. */
export const majorityClass = (papers: ReadonlyArray<Paper>, leafIds: ReadonlySet<string>): Array<string> => {
  const counts = new Map<string, number>()
  for (const paper of papers) if (leafIds.has(paper.categories[0])) counts.set(paper.categories[0], (counts.get(paper.categories[0]) ?? 0) + 1)
  const majority = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? ""
  return papers.map(() => majority)
}

export interface OurRun {
  readonly quality: Quality
  readonly predicted: ReadonlyArray<string>
  /** Seconds per stage of `classify`, and the whole. */
  readonly seconds: Readonly<Record<string, number>>
}

/** Our method: the whole in-memory pipeline (keyphrases → TF-IDF → k-means → map), timed per stage. */
export const runOurs = async (papers: ReadonlyArray<Paper>, taxonomy: Taxonomy, k: number | "auto", map: MapOptions = DEFAULT_MAP): Promise<OurRun> => {
  const seconds: Record<string, number> = {}
  const started = performance.now()
  let last = started
  const result = await classify(papers, taxonomy, { ...DEFAULT_CLASSIFY, k, map }, (stage) => {
    const now = performance.now()
    seconds[stage] = (now - last) / 1000
    last = now
  })
  seconds.total = (performance.now() - started) / 1000
  const leafIds = new Set(leavesOf(taxonomy).map((leaf) => leaf.id))
  const predicted = result.assignments.map((assignment) => assignment.topics[0].nodeId)
  return { quality: qualityOf(papers, leafIds, predicted, Array.from(result.clustering.labels)), predicted, seconds }
}

const main = async () => {
  const argument = (name: string): string | undefined => {
    const index = process.argv.indexOf(`--${name}`)
    return index >= 0 ? process.argv[index + 1] : undefined
  }
  if (!existsSync(DEV_SET)) {
    console.log(`bench:quality skipped: ${DEV_SET} is missing (the labelled dev set lives in ../shared/data)`)
    return
  }
  const offset = Number(argument("offset") ?? 0)
  const limit = Number(argument("papers") ?? Infinity)
  const k = argument("k") === "auto" ? "auto" : Number(argument("k") ?? 40)
  const map: MapOptions = { ...DEFAULT_MAP, ...JSON.parse(argument("map") ?? "{}") }
  const taxonomyFile = join(root, "taxonomy", "arxiv-cs.yaml")
  const taxonomy = loadTaxonomyFile(taxonomyFile)
  const leafIds = new Set(leavesOf(taxonomy).map((leaf) => leaf.id))
  const papers = loadLabelledPapers(DEV_SET, offset, limit)
  const dataSet = `arxiv-cs-dev ${offset}–${offset + papers.length}`

  const ours = await runOurs(papers, taxonomy, k, map)
  const nearest = nearestNode(papers, taxonomy)
  const majority = majorityClass(papers, leafIds)
  const rows = [
    { dataSet, method: `papersort (k = ${k})`, ...ours.quality },
    { dataSet, method: "nearest node (TF-IDF cosine)", ...qualityOf(papers, leafIds, nearest, nearest) },
    { dataSet, method: "majority class", ...qualityOf(papers, leafIds, majority, majority) }
  ]
  const f3 = (value: number | null) => (value === null ? "" : value.toFixed(3))
  console.log(formatTable(
    ["data set", "method", "papers", "accuracy", "lenient", "macro-F1", "V-measure"],
    rows.map((row) => [row.dataSet, row.method, row.papers, f3(row.accuracy), f3(row.lenient), f3(row.macroF1), f3(row.vMeasure)])
  ))
  console.log(`\nV-measure: papersort = its k-means clusters (scikit-learn TfidfVectorizer + MiniBatchKMeans reference: ~0.23 at k = 40);`)
  console.log(`baselines = their own assignments. Macro-F1 over the ${Object.keys(ours.quality.perCategory).length} categories with ≥ 20 papers:`)
  console.log(Object.entries(ours.quality.perCategory).map(([category, { f1, predicted, support }]) => `${category} ${f1.toFixed(2)} (${predicted}/${support})`).join(", "))
  console.log(`\nrun time (s): ${Object.entries(ours.seconds).map(([stage, s]) => `${stage} ${s.toFixed(1)}`).join(", ")}`)

  if (process.argv.includes("--sample")) {
    const sample = Effect.runSync(parseHfPage(readFileSync(join(root, "data", "samples", "hf-daily-papers-page.txt"), "utf8"), "hf-daily-papers-page.txt"))
    const result = await classify(sample, loadTaxonomyFile(join(root, "taxonomy", "ml-research.yaml")), DEFAULT_CLASSIFY)
    console.log(`\nsample (${sample.length} papers, taxonomy/ml-research.yaml):`)
    for (const { paperIndex, topics } of result.assignments) {
      console.log(`${topics.map((topic) => `${topic.nodeId} ${topic.score.toFixed(2)}`).join(", ").padEnd(70)} ${sample[paperIndex].title.slice(0, 90)}`)
    }
  }

  mkdirSync(join(root, "reports"), { recursive: true })
  writeFileSync(join(root, "reports", "bench-quality.json"), `${JSON.stringify({
    date: new Date().toISOString(),
    node: process.version,
    dataSet: DEV_SET,
    taxonomy: "taxonomy/arxiv-cs.yaml",
    offset,
    papers: papers.length,
    k,
    map,
    seconds: ours.seconds,
    rows
  }, null, 2)}\n`)
  console.log(`\nwritten: reports/bench-quality.json`)
}

if (import.meta.filename === process.argv[1]) await main()
