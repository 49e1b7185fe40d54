/**
 * The topic side of the report: which papers sit on which node, the colour of the
 * largest topics (shared by bars, map and sections), the bar chart of papers per
 * topic grouped by top-level area, and the taxonomy tree with its counts.
 */
import type { HtmlPaper, HtmlReportData, HtmlTopic } from "./data.ts"
import { count, html, PALETTE, papers as paperCount, px, truncate } from "./format.ts"

const UNASSIGNED = "unassigned"

export interface TopicIndex {
  readonly byId: ReadonlyMap<string, HtmlTopic>
  /** Nodes in the data's order, then any topic a paper names that the taxonomy lacks. */
  readonly nodes: ReadonlyArray<HtmlTopic>
  readonly children: ReadonlyMap<string | null, ReadonlyArray<HtmlTopic>>
  /** Each node's own papers (primary topic = this node), best score first. */
  readonly papersOf: ReadonlyMap<string, ReadonlyArray<HtmlPaper>>
  /** Palette index of the largest topics; absent = grey. */
  readonly colour: ReadonlyMap<string, number>
  /** Element id of each topic's section ("t0", "t1", …): dump-independent, so always a safe id. */
  readonly sectionId: ReadonlyMap<string, string>
  /** The top-level node above a node (itself at depth 0). */
  readonly areaOf: (nodeId: string) => HtmlTopic
}

export const colourClass = (index: TopicIndex, nodeId: string): string => {
  const colour = index.colour.get(nodeId)
  return colour === undefined ? "k-" : `k${colour}`
}

/** The order of a topic's papers on the page: best score first, then by title, then by id. */
const byScore = (a: Pick<HtmlPaper, "score" | "title" | "paperId">, b: Pick<HtmlPaper, "score" | "title" | "paperId">) =>
  b.score - a.score || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0) || (a.paperId < b.paperId ? -1 : a.paperId > b.paperId ? 1 : 0)

/** Papers by primary topic, each topic's in the page's order (`byScore`). */
export const papersByTopic = <P extends Pick<HtmlPaper, "topic" | "score" | "title" | "paperId">>(papers: ReadonlyArray<P>): Map<string, Array<P>> => {
  const byTopic = new Map<string, Array<P>>()
  for (const paper of papers) {
    const list = byTopic.get(paper.topic)
    if (list === undefined) byTopic.set(paper.topic, [paper])
    else list.push(paper)
  }
  for (const list of byTopic.values()) list.sort(byScore)
  return byTopic
}

export const indexTopics = (data: HtmlReportData): TopicIndex => {
  const byId = new Map<string, HtmlTopic>()
  for (const topic of data.topics) if (!byId.has(topic.nodeId)) byId.set(topic.nodeId, topic)
  const papersOf = papersByTopic(data.papers)
  // A paper whose topic the taxonomy lacks still gets a bar and a section, as a root of its own.
  for (const [nodeId, papers] of papersOf) {
    if (!byId.has(nodeId)) {
      byId.set(nodeId, { nodeId, parentId: null, path: nodeId, label: papers[0].topicLabel || nodeId, depth: 0, papers: papers.length, papersAny: papers.length })
    }
  }
  const nodes = [...byId.values()]
  const children = new Map<string | null, Array<HtmlTopic>>()
  for (const node of nodes) {
    const parent = node.parentId !== null && byId.has(node.parentId) && node.parentId !== node.nodeId ? node.parentId : null
    const list = children.get(parent)
    if (list === undefined) children.set(parent, [node])
    else list.push(node)
  }
  const order = new Map(nodes.map((node, position) => [node.nodeId, position]))
  const ranked = nodes.filter((node) => node.nodeId !== UNASSIGNED && (papersOf.get(node.nodeId)?.length ?? 0) > 0)
    .sort((a, b) => papersOf.get(b.nodeId)!.length - papersOf.get(a.nodeId)!.length || order.get(a.nodeId)! - order.get(b.nodeId)!)
  const colour = new Map(ranked.slice(0, PALETTE.length).map((node, rank) => [node.nodeId, rank]))
  const sectionId = new Map(nodes.map((node, position) => [node.nodeId, `t${position}`]))
  const areaOf = (nodeId: string): HtmlTopic => {
    let node = byId.get(nodeId)!
    // Bounded walk: a cycle in bad data must not hang the report.
    for (let steps = 0; steps < nodes.length && node.parentId !== null && byId.has(node.parentId); steps++) node = byId.get(node.parentId)!
    return node
  }
  return { byId, nodes, children, papersOf, colour, sectionId, areaOf }
}

const ROW = 18
const HEADING = 26
const WIDTH = 760
const LABEL_END = 262
const BAR_START = 270
const BAR_SPACE = 420

/**
 * Papers per topic: one bar per node that is some paper's primary topic, grouped
 * under its top-level area (largest area first, largest bar first); `unassigned` last.
 * Each bar links to its topic's section.
 */
export const barChart = (index: TopicIndex): { readonly svg: string; readonly bars: number } => {
  const groups = new Map<string, Array<{ node: HtmlTopic; papers: number }>>()
  for (const node of index.nodes) {
    const papers = index.papersOf.get(node.nodeId)?.length ?? 0
    if (papers === 0) continue
    const area = index.areaOf(node.nodeId).nodeId
    const list = groups.get(area)
    if (list === undefined) groups.set(area, [{ node, papers }])
    else list.push({ node, papers })
  }
  const total = (rows: ReadonlyArray<{ papers: number }>) => rows.reduce((sum, row) => sum + row.papers, 0)
  const ordered = [...groups].sort(([a, rowsA], [b, rowsB]) =>
    Number(a === UNASSIGNED) - Number(b === UNASSIGNED) || total(rowsB) - total(rowsA))
  const max = Math.max(1, ...[...groups.values()].flat().map((row) => row.papers))
  const parts: Array<string> = []
  let y = 4
  let bars = 0
  for (const [areaId, rows] of ordered) {
    const area = index.byId.get(areaId)!
    y += HEADING
    parts.push(`<text class="area" x="4" y="${y - 8}">${html(truncate(area.label, 60))} <tspan class="muted">${paperCount(total(rows))}</tspan></text>`)
    rows.sort((a, b) => b.papers - a.papers)
    for (const { node, papers } of rows) {
      const width = Math.max(1.5, (papers / max) * BAR_SPACE)
      const label = node.nodeId === areaId && rows.length > 1 ? `${node.label} (general)` : node.label
      parts.push(
        `<a href="#${index.sectionId.get(node.nodeId)}"><g class="row"><title>${html(node.path)}: ${paperCount(papers)}</title>` +
          `<text class="lbl" x="${LABEL_END}" y="${y + 13}">${html(truncate(label, 40))}</text>` +
          `<rect class="bar ${colourClass(index, node.nodeId)}" x="${BAR_START}" y="${y + 3}" width="${px(width)}" height="${ROW - 5}" rx="2"/>` +
          `<text class="n" x="${px(BAR_START + width + 5)}" y="${y + 13}">${count(papers)}</text></g></a>`
      )
      y += ROW
      bars++
    }
  }
  const height = y + 8
  return {
    svg: `<svg class="bars" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Papers per topic">${parts.join("")}</svg>`,
    bars
  }
}

/** The whole taxonomy as nested lists: every node with its papers (primary, rolled up) and papers at any rank. */
export const taxonomyTree = (index: TopicIndex): string => {
  const seen = new Set<string>()
  const list = (parent: string | null): string => {
    const nodes = (index.children.get(parent) ?? []).filter((node) => !seen.has(node.nodeId))
    if (nodes.length === 0) return ""
    const items = nodes.map((node) => {
      seen.add(node.nodeId)
      const own = index.papersOf.get(node.nodeId)?.length ?? 0
      const name = own > 0 ? `<a href="#${index.sectionId.get(node.nodeId)}">${html(node.label)}</a>` : html(node.label)
      return `<li class="${node.papers === 0 && own === 0 ? "zero" : ""}"><span class="node">${index.colour.has(node.nodeId) ? `<span class="sw ${colourClass(index, node.nodeId)}"></span>` : ""}${name}` +
        ` <span class="n" title="primary papers, this node and below">${count(node.papers)}</span>` +
        ` <span class="any" title="papers with this topic at any rank">${count(node.papersAny)} any</span></span>${list(node.nodeId)}</li>`
    })
    return `<ul>${items.join("")}</ul>`
  }
  return `<div class="tree">${list(null)}</div>`
}
