/**
 * The short tables' rows a run or a remap adds (the run, its clusters, taxonomy and cluster
 * topics), as the store appends them. The longest tables (a row per paper or more) go in by
 * column instead (storeColumns.ts).
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { UNASSIGNED } from "./domain.ts"
import type { ClusterSummary, RemapRecord, RunRecord } from "./runRecord.ts"
import { insertTopics } from "./storeColumns.ts"
import { appendLeafModels } from "./storeLeafModels.ts"

export const clusterRows = (runId: string, clusters: ReadonlyArray<ClusterSummary>) =>
  clusters.map((cluster) => [runId, cluster.clusterId, cluster.size, cluster.label, [...cluster.topTerms]])

export type AppendTo = (table: string, rows: Iterable<ReadonlyArray<unknown>>) => Promise<void>

export const runRow = (record: RunRecord | RemapRecord, kind: RunRecord["kind"], paperCount: number) => [
  record.runId, kind, record.parentRunId, record.startedAt, record.finishedAt, [...record.inputs],
  record.taxonomy.file, record.taxonomy.sha256, JSON.stringify(record.params), paperCount
]

/**
 * The taxonomy and the assignments of a run or remap; `paperIds` names the table of its papers'
 * ids staged by `stageStrings` (storeColumns.ts), by position.
 */
export const appendTopics = async (connection: DuckDBConnection, append: AppendTo, record: RunRecord | RemapRecord, paperIds: string) => {
  const { runId } = record
  await append("taxonomy_nodes", [
    ...record.taxonomy.nodes.map((node, position) => [
      runId, node.id, node.parentId, node.label, node.path, node.depth, node.description, [...node.keywords], [...node.examples], position
    ]),
    [runId, UNASSIGNED, null, "Unassigned", UNASSIGNED, 0, "Papers that fit no node of the taxonomy.", [], [], record.taxonomy.nodes.length]
  ])
  await append("cluster_topics", record.clusterTopics.map((mapping) => [runId, mapping.clusterId, mapping.nodeId, mapping.score, mapping.nearestNodeId]))
  await insertTopics(connection, runId, paperIds, record.assignments())
  await appendLeafModels(connection, runId, record.leafModels())
}
