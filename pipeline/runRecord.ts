/** Everything one run produced: what `store` writes and `report` reads. */
import type { ClusterMapping, Paper, PaperAssignment, Taxonomy } from "./domain.ts"
import type { Keyphrase } from "./keyphrases.ts"

export type Assignment = PaperAssignment

export interface ClusterSummary {
  readonly clusterId: number
  readonly size: number
  /** Readable name from the cluster's most distinctive keyphrases. */
  readonly label: string
  readonly topTerms: ReadonlyArray<string>
  readonly topKeyphrases: ReadonlyArray<string>
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
  readonly papers: ReadonlyArray<Paper>
  readonly clusterOfPaper: Int32Array
  readonly keyphrases: ReadonlyArray<ReadonlyArray<Keyphrase>>
  readonly clusters: ReadonlyArray<ClusterSummary>
  readonly clusterTopics: ReadonlyArray<ClusterMapping>
  readonly assignments: ReadonlyArray<Assignment>
}
