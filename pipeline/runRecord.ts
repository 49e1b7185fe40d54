/** Everything one run produced: what `store` writes and `report` reads. */
import type { ClusterMapping, PaperAssignment, Taxonomy } from "./domain.ts"
import type { PaperKeyphrases } from "./keyphrases.ts"
import type { LeafModels } from "./leafModels.ts"
import type { Projection } from "./project.ts"
import type { Vectorized } from "./vectorize.ts"

export type Assignment = PaperAssignment

export interface ClusterSummary {
  readonly clusterId: number
  readonly size: number
  /** Readable name from the cluster's most distinctive keyphrases. */
  readonly label: string
  readonly topTerms: ReadonlyArray<string>
  readonly topKeyphrases: ReadonlyArray<string>
}

/**
 * What a run's second threads finish after the map: the keyphrases (and the cluster labels made
 * of them), and the report map's coordinates. The store writes the rest of the run meanwhile.
 */
export interface RunFinishing {
  readonly keyphrases: PaperKeyphrases
  readonly clusters: ReadonlyArray<ClusterSummary>
  /** Each paper's place on the report's map (a 2-D projection of its TF-IDF vector). */
  readonly coordinates: Projection
}

/**
 * A large value handed on to the one step that uses it, which lets it go when done: whatever
 * holds this function (a record held by the command and by the write's arguments until the
 * commit; a run's papers handed to the classification) holds nothing once it is called. At a million papers the assignments and
 * the vectors (1.1 GB) otherwise stayed to the commit: the store's high-water mark was 3.9-4.3 GB
 * with them, 3.3-3.5 without.
 */
export type TakenOnce<A> = () => A

/** `value` behind a `TakenOnce`: the first call returns it and lets go of it; a second call throws. */
export const takenOnce = <A>(value: A): TakenOnce<A> => {
  let held: A | undefined = value
  return () => {
    const taken = held
    held = undefined
    if (taken === undefined) throw new Error("taken once already")
    return taken
  }
}

export interface RunRecord {
  readonly runId: string
  readonly kind: "run" | "remap"
  readonly parentRunId: string | null
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly inputs: ReadonlyArray<string>
  readonly taxonomy: Taxonomy
  readonly params: Readonly<Record<string, unknown>>
  /** Its papers' ids, in the order of the arrays below (the papers themselves are written first: `Store.beginRun`). */
  readonly paperIds: ReadonlyArray<string>
  readonly clusterOfPaper: Int32Array
  /** Still being computed on second threads when the store starts: it writes them last. */
  readonly finishing: Promise<RunFinishing>
  readonly clusterTopics: ReadonlyArray<ClusterMapping>
  readonly assignments: TakenOnce<ReadonlyArray<Assignment>>
  /** What the map learned per leaf: a remap starts from it. */
  readonly leafModels: TakenOnce<LeafModels>
  /** The run's TF-IDF space, stored so that a remap can re-map without re-vectorising; null for a remap. */
  readonly vectors: TakenOnce<Vectorized> | null
}

/**
 * A remap: new topics for a stored run's papers. Its papers' clusters and map coordinates are
 * the source run's, copied inside the database; its keyphrases are the source's, not copied.
 */
export interface RemapRecord {
  readonly runId: string
  readonly parentRunId: string
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly inputs: ReadonlyArray<string>
  readonly taxonomy: Taxonomy
  readonly params: Readonly<Record<string, unknown>>
  /** The stored papers' ids, in the order of `assignments`' paperIndex. */
  readonly paperIds: ReadonlyArray<string>
  readonly clusterTopics: ReadonlyArray<ClusterMapping>
  readonly assignments: TakenOnce<ReadonlyArray<Assignment>>
  readonly leafModels: TakenOnce<LeafModels>
}
