/**
 * What `index.html` is drawn from: one plain, JSON-able object per run, filled by
 * the report stage from the run's rows in DuckDB (the same rows as the CSV files)
 * plus the map coordinates of `projectPapers`. Every string in it may come from a
 * dump and is escaped by the renderer; callers pass raw text.
 */

export interface HtmlReportHeader {
  readonly runId: string
  readonly kind: "run" | "remap"
  /** The run a remap re-mapped; null for a plain run. */
  readonly parentRunId: string | null
  /** The dump files as given on the command line (`runs.inputs`). */
  readonly inputs: ReadonlyArray<string>
  /** ISO 8601 (`runs.started_at`). */
  readonly startedAt: string
  readonly papers: number
  readonly clusters: number
  readonly taxonomyName: string
  readonly taxonomyPath: string
}

/** A taxonomy node: every node of the run, those without papers and `unassigned` included, parents before children. */
export interface HtmlTopic {
  readonly nodeId: string
  readonly parentId: string | null
  readonly path: string
  readonly label: string
  readonly depth: number
  /** Papers whose primary topic is this node or a node below it (topics.csv `papers`, rolled up). */
  readonly papers: number
  /** Papers with this node or one below it at any rank (topics.csv `papers_any`). */
  readonly papersAny: number
}

export interface HtmlPaper {
  readonly paperId: string
  readonly title: string
  /** The primary topic's node id (`unassigned` when none fits). */
  readonly topic: string
  readonly topicLabel: string
  readonly score: number
  readonly keyphrases: ReadonlyArray<string>
  /** The matched terms that earned the primary topic. */
  readonly evidence: ReadonlyArray<string>
  readonly clusterId: number
  /** Map coordinates in [-1, 1] (`projectPapers`); y grows upwards. */
  readonly x: number
  readonly y: number
}

export interface HtmlCluster {
  readonly clusterId: number
  readonly size: number
  readonly label: string
  readonly topTerms: ReadonlyArray<string>
  /** The node the cluster maps to; null when none fits. */
  readonly topic: string | null
  readonly score: number
  /** Centre of the cluster's papers on the map (the mean of their x and y). */
  readonly x: number
  readonly y: number
}

/** One row of suggestions.csv. */
export interface HtmlSuggestion {
  /** `new-topic` (a cluster no node fits well) or `empty-node` (a node without papers); others are shown as they come. */
  readonly kind: string
  readonly clusterId: number | null
  readonly size: number
  readonly proposedLabel: string
  readonly keyphrases: ReadonlyArray<string>
  readonly sampleTitles: ReadonlyArray<string>
  /** The node the suggestion would sit under (a new topic) or is about (an empty node). */
  readonly nearestNode: string | null
  readonly score: number
}

/** One row of changes.csv: a paper whose primary topic a remap changed. */
export interface HtmlChange {
  readonly paperId: string
  readonly title: string
  /** Null when the paper had no topic in the parent run. */
  readonly oldTopic: string | null
  readonly newTopic: string
  readonly oldScore: number | null
  readonly newScore: number
}

export interface HtmlTrendRow {
  readonly nodeId: string
  readonly label: string
  /** Primary papers (rolled up) in the earlier run and in this one. */
  readonly previous: number
  readonly current: number
  /** current − previous. */
  readonly delta: number
}

/** How topics grew or shrank against an earlier run on a different dump. */
export interface HtmlTrend {
  readonly previousRunId: string
  readonly previousInputs: ReadonlyArray<string>
  readonly rows: ReadonlyArray<HtmlTrendRow>
}

export interface HtmlReportData {
  readonly header: HtmlReportHeader
  readonly topics: ReadonlyArray<HtmlTopic>
  /**
   * Every paper of the run (the renderer samples the map and caps the tables itself). Read from a
   * database, only the papers the page can show carry their title, topic label, evidence and
   * keyphrases (`loadReportData`); the others have them empty.
   */
  readonly papers: ReadonlyArray<HtmlPaper>
  readonly clusters: ReadonlyArray<HtmlCluster>
  readonly suggestions: ReadonlyArray<HtmlSuggestion>
  /** A remap's moved papers; empty for a plain run. */
  readonly changes: ReadonlyArray<HtmlChange>
  readonly trend: HtmlTrend | null
}

export interface HtmlReportOptions {
  /** Most points on the map; a larger run is sampled per topic. */
  readonly mapPoints: number
  /** Most papers listed per topic (the best-scored); the rest are in papers.csv. */
  readonly papersPerTopic: number
  /** Most moved papers listed for a remap; the rest are in changes.csv. */
  readonly changesShown: number
}

/**
 * 3,000 points stay legible in an 900 × 600 map and cost ~0.6 MB; 50 papers per
 * topic keep a 40,000-paper page near 2 MB and fast to open.
 */
export const DEFAULT_HTML_OPTIONS: HtmlReportOptions = { mapPoints: 3_000, papersPerTopic: 50, changesShown: 500 }
