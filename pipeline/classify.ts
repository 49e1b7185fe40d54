/**
 * The in-memory part of a run: keyphrases → TF-IDF → k-means → map. Pure over its
 * inputs (the seed is an input), so the same papers, taxonomy and options always
 * give the same result.
 */
import type { ClusterMapping, Paper, PaperAssignment, Taxonomy } from "./domain.ts"
import { chooseK, type KChoice } from "./chooseK.ts"
import { kMeans, type Clustering } from "./cluster.ts"
import { rowsByLabel } from "./clusterCentroids.ts"
import type { PaperKeyphrases } from "./keyphrases.ts"
import { type EarlyKeyphrases, earlyKeyphrases, sameSources } from "./keyphrasesBackground.ts"
import { projectInBackground } from "./projectBackground.ts"
import type { LeafModels } from "./leafModels.ts"
import { mapFromModels, reusableLeaves } from "./mapFromModels.ts"
import { DEFAULT_MAP, type MapOptions, mapToTaxonomy } from "./map.ts"
import { nodeText } from "./nodeText.ts"
import { collectGarbageNow, releaseHeapPages } from "./collectGarbage.ts"
import { stageProgress } from "./progress.ts"
import { type ClusterSummary, type RunFinishing, type TakenOnce, takenOnce } from "./runRecord.ts"
import { terms } from "./text.ts"
import { countTerms } from "./termCounts.ts"
import { DEFAULT_VECTORIZE, defaultMinDf, type TfidfModel, type Vectorized, weighTerms } from "./vectorize.ts"

export interface ClassifyOptions {
  readonly k: number | "auto"
  readonly seed: number
  readonly map: MapOptions
}

export const DEFAULT_CLASSIFY: ClassifyOptions = { k: "auto", seed: 42, map: DEFAULT_MAP }

/** A run's classification as far as this thread takes it: everything but what `RunFinishing` holds. */
export interface Mapped {
  readonly vectorized: Vectorized
  readonly kChoice: KChoice | null
  readonly clustering: Clustering
  readonly clusterTopics: ReadonlyArray<ClusterMapping>
  readonly assignments: ReadonlyArray<PaperAssignment>
  readonly leafModels: LeafModels
}

export interface Classified extends Mapped, RunFinishing {}

/** Every term of the taxonomy's own text stays in the vocabulary, however rare in this dump. */
export const taxonomyTerms = (taxonomy: Taxonomy): Set<string> => {
  const out = new Set<string>()
  for (const node of taxonomy.nodes) for (const { text } of nodeText(node, undefined)) for (const term of terms(text)) out.add(term)
  return out
}

export type StageObserver = (stage: string, detail: string) => void

/** Keyphrases kept per cluster (`topKeyphrases`); its label is made of the first three. */
const TOP_KEYPHRASES = 5

export const summarizeClusters = (
  keyphrases: PaperKeyphrases,
  clustering: Clustering,
  model: TfidfModel
): Array<ClusterSummary> => {
  const { centroids, k, labels } = clustering
  const { key: keyOf, offsets, phrase: phraseOf, phrases, score: scoreOf } = keyphrases
  // How many papers of the whole dump carry each keyphrase: a cluster's label should set it apart.
  let keys = 0
  for (const key of keyOf) keys = Math.max(keys, key + 1)
  const corpusCount = new Int32Array(keys)
  for (const key of keyOf) corpusCount[key]++
  const { order: rowsInOrder, start: clusterStart } = rowsByLabel(labels, k)
  const topTermIds = centroids.map(({ indices, values }) =>
    Array.from(indices.keys()).filter((i) => values[i] > 0).sort((a, b) => values[b] - values[a] || indices[a] - indices[b])
      .slice(0, 8).map((i) => indices[i]))
  // Per keyphrase key, within one cluster: summed score, papers, and the phrase it was first seen
  // as, by its number in `phrases`. (Members in an array per cluster and the phrase stored as a
  // string per key and cluster: 3.9-4.6 s for ten million synthetic keyphrases, 3.3-3.7 s so.)
  const score = new Float64Array(keys)
  const count = new Int32Array(keys)
  const firstPhrase = new Int32Array(keys)
  return Array.from({ length: k }, (_, clusterId) => {
    const size = clusterStart[clusterId + 1] - clusterStart[clusterId]
    const touched: Array<number> = []
    for (let member = clusterStart[clusterId]; member < clusterStart[clusterId + 1]; member++) {
      const row = rowsInOrder[member]
      for (let e = offsets[row]; e < offsets[row + 1]; e++) {
        const key = keyOf[e]
        if (count[key] === 0) {
          touched.push(key)
          firstPhrase[key] = phraseOf[e]
        }
        score[key] += scoreOf[e]
        count[key]++
      }
    }
    // The heaviest (ties: the alphabetically first), picked without sorting them all: a large
    // cluster of a million-paper dump has over a million distinct phrases.
    const top: Array<{ readonly phrase: string; readonly weight: number }> = []
    for (const key of touched) {
      // Summed score × how concentrated the phrase is in this cluster.
      const weight = score[key] * (count[key] / corpusCount[key]) * (count[key] > 1 || size === 1 ? 1 : 0.5)
      const phrase = phrases[firstPhrase[key]]
      score[key] = 0
      count[key] = 0
      let at = top.length
      while (at > 0 && (weight > top[at - 1].weight || (weight === top[at - 1].weight && phrase < top[at - 1].phrase))) at--
      if (at === TOP_KEYPHRASES) continue
      if (top.length === TOP_KEYPHRASES) top.pop()
      top.splice(at, 0, { phrase, weight })
    }
    const topKeyphrases = top.map(({ phrase }) => phrase)
    const topTerms = topTermIds[clusterId].map((column) => model.surfaces[column])
    const label = (topKeyphrases.length > 0 ? topKeyphrases.slice(0, 3) : topTerms.slice(0, 3)).join(" / ")
    return { clusterId, size, label, topTerms, topKeyphrases }
  })
}

/**
 * Map papers and clusters onto a taxonomy, each topic with its evidence: the step that
 * `remap` repeats on a stored run with an edited taxonomy.
 */
export const assignTopics = (
  vectorized: Vectorized,
  clustering: Pick<Clustering, "labels" | "k">,
  taxonomy: Taxonomy,
  mapOptions: MapOptions,
  learned?: LeafModels
): {
  readonly assignments: ReadonlyArray<PaperAssignment>
  readonly clusterTopics: ReadonlyArray<ClusterMapping>
  readonly leafModels: LeafModels
  /** Leaves whose stored model was kept (0: every leaf learned from the papers). */
  readonly keptLeaves: number
} => {
  const { matrix, model } = vectorized
  const input = { matrix, model, taxonomy, clusterLabels: clustering.labels, clusterCount: clustering.k }
  // Stored models are over the run's vocabulary: a different one (not expected) means learning again.
  const fits = learned !== undefined && learned.logWords.length === matrix.cols * learned.nodeIds.length
  const reusable = fits ? reusableLeaves(taxonomy, learned) : undefined
  const mapping = learned !== undefined && reusable !== undefined ? mapFromModels(input, learned, reusable, mapOptions) : mapToTaxonomy(input, mapOptions)
  return {
    assignments: mapping.papers,
    clusterTopics: mapping.clusters,
    leafModels: mapping.model,
    keptLeaves: reusable === undefined ? 0 : reusable.filter((l) => l >= 0).length
  }
}

/** A keyphrase stage started on the papers as they were parsed, and where each of `papers` came from among them. */
export interface StartedKeyphrases {
  readonly keyphrases: EarlyKeyphrases
  readonly sources: Int32Array
  /** The papers' texts again (from the database), should the keyphrases have to be extracted on this thread after all. */
  readonly textsAgain: () => Promise<ReadonlyArray<Pick<Paper, "title" | "abstract">>>
}

/**
 * Papers handed over to `classifyInStages`, which takes them and lets them go once they are
 * vectorised and posted to the keyphrase thread: a caller that has stored them need not keep a
 * million papers' texts and metadata (2 GB of heap) through the clustering, the map and the store.
 */
export class HandedPapers {
  readonly count: number
  readonly take: TakenOnce<ReadonlyArray<Paper>>

  constructor(papers: ReadonlyArray<Paper>) {
    this.count = papers.length
    this.take = takenOnce(papers)
  }
}

/** The keyphrase thread settled on the papers, and their terms counted: the part of a run that reads the papers' texts. */
const settleAndCount = (input: ReadonlyArray<Paper> | HandedPapers, started: StartedKeyphrases | undefined) => {
  const papers = input instanceof HandedPapers ? input.take() : input
  const count = papers.length
  // Keyphrases come from a second thread while this one vectorises, clusters and maps:
  // only the cluster labels need them.
  // Its bar shows only while this thread is free (waiting, or storing); a rate would mislead, so none.
  // It is fed the papers as it goes (`feed`), from this thread's progress points.
  const background = (started?.keyphrases ?? earlyKeyphrases()).settle(
    papers,
    started?.sources ?? sameSources(count),
    (done) => stageProgress("keyphrases", done, count, "papers done"),
    input instanceof HandedPapers ? started?.textsAgain : undefined
  )
  // A run's papers (handed over) go as they are counted: only the keyphrase thread's queue may still hold them.
  const counts = countTerms(papers, DEFAULT_VECTORIZE, (done) => {
    background.feed()
    stageProgress("vectorize", done, count)
  }, input instanceof HandedPapers, releaseHeapPages)
  return { background, counts }
}

/** `settleAndCount`, then the vectors: their counts (and the term index) go with this frame. */
const settleAndVectorize = (input: ReadonlyArray<Paper> | HandedPapers, taxonomy: Taxonomy, started: StartedKeyphrases | undefined) => {
  const { background, counts } = settleAndCount(input, started)
  if (input instanceof HandedPapers) {
    // The papers are let go before their vectors are built (the keyphrase thread keeps only those
    // not yet posted to it, and the store has them), and collected now, from outside the frame that
    // used them: V8 keeps a function's call arguments in its frame until it returns. The heap
    // pages they took go back to the system.
    collectGarbageNow(true)
  }
  const vectorized = weighTerms(
    counts,
    { ...DEFAULT_VECTORIZE, minDf: defaultMinDf(counts.papers), keepTerms: taxonomyTerms(taxonomy) },
    input instanceof HandedPapers ? collectGarbageNow : undefined
  )
  return { background, vectorized }
}

/**
 * Vectorise, cluster and map the papers on this thread, while second threads extract the
 * keyphrases (from `started`, when the caller began it as it parsed) and, from the end of the map,
 * project the papers for the report's map: returns as soon as the map is done, with what those
 * threads finish as `finishing`, so that the caller can store the rest meanwhile. `observe` hears
 * of each stage, the keyphrases' when they arrive.
 */
export const classifyInStages = (
  input: ReadonlyArray<Paper> | HandedPapers,
  taxonomy: Taxonomy,
  options: ClassifyOptions,
  observe: StageObserver = () => undefined,
  started?: StartedKeyphrases
): { readonly mapped: Mapped; readonly finishing: Promise<RunFinishing> } => {
  const count = input instanceof HandedPapers ? input.count : input.length
  const { background, vectorized } = settleAndVectorize(input, taxonomy, started)
  observe("vectorize", `${vectorized.model.vocabulary.length} terms`)
  const kChoice = options.k === "auto" ? chooseK(vectorized.matrix, options.seed) : null
  const k = kChoice?.k ?? (options.k as number)
  // Three k-means++ starts (scikit-learn's MiniBatchKMeans default n_init) while a start is cheap.
  const restarts = count <= 10_000 ? 3 : 1
  let start = 0
  let phase = ""
  const clustering = kMeans(vectorized.matrix, {
    k, seed: options.seed, maxIterations: 50, initSample: 20_000, restarts,
    onIteration: (iteration, moved, onSample) => {
      background.feed()
      // A large dump's start runs on a sample first, then on every paper: one start, two phases.
      if (onSample) {
        if (iteration === 1) start++
        phase = "on a sample, "
      } else if (iteration === 1) {
        if (phase === "") start++
        else phase = "on all papers, "
      }
      stageProgress("cluster", iteration, 50, "iterations", `start ${start}/${restarts}, ${phase}${moved.toLocaleString("en-US")} papers moved`)
    }
  })
  observe("cluster", `k = ${clustering.k}${kChoice ? " (auto)" : ""}, ${clustering.iterations} iterations`)
  // The map has no progress points: the worker gets the rest of the papers now.
  background.feed(true)
  const { assignments, clusterTopics, leafModels } = assignTopics(vectorized, clustering, taxonomy, options.map)
  observe("map", `${clusterTopics.filter((cluster) => cluster.nodeId !== null).length} of ${clustering.k} clusters mapped`)
  // The report map's 2-D projection needs only the vectors: a second thread from here on.
  const coordinates = projectInBackground(vectorized.matrix, options.seed)
  const labelled = background.keyphrases.then((keyphrases) => {
    const clusters = summarizeClusters(keyphrases, clustering, vectorized.model)
    observe("keyphrases", `${keyphrases.phrase.length} phrases; cluster labels`)
    return { keyphrases, clusters }
  })
  return {
    mapped: { vectorized, kChoice, clustering, clusterTopics, assignments, leafModels },
    finishing: Promise.all([labelled, coordinates]).then(([{ keyphrases, clusters }, projection]) => ({ keyphrases, clusters, coordinates: projection }))
  }
}

/** `classifyInStages`, waiting for the second threads. */
export const classify = async (
  papers: ReadonlyArray<Paper>,
  taxonomy: Taxonomy,
  options: ClassifyOptions,
  observe: StageObserver = () => undefined
): Promise<Classified> => {
  const { mapped, finishing } = classifyInStages(papers, taxonomy, options, observe)
  return { ...mapped, ...(await finishing) }
}
