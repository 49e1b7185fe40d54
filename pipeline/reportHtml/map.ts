/**
 * The paper map: one dot per paper at its `projectPapers` coordinates, coloured by
 * primary topic, with the clusters' labels at their centres. A large run is sampled
 * per topic, deterministically, so the page stays light and every topic stays visible.
 */
import type { HtmlCluster, HtmlPaper } from "./data.ts"
import { count, finite, html, papers as paperCount, px, truncate } from "./format.ts"
import { colourClass, type TopicIndex } from "./topics.ts"

/** FNV-1a of the paper id: the sample depends on which papers there are, not on their order. */
const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Indices (ascending) of at most `cap` papers to draw: all of them when they fit;
 * otherwise one per topic, the rest shared out in proportion to the topics' sizes
 * (largest remainder), each topic's papers taken in the order of their id's hash.
 */
export const sampleMapPoints = (papers: ReadonlyArray<Pick<HtmlPaper, "paperId" | "topic">>, cap: number): Array<number> => {
  const limit = Math.max(0, Math.floor(cap))
  if (papers.length <= limit) return papers.map((_, i) => i)
  const groups = new Map<string, Array<number>>()
  papers.forEach((paper, i) => {
    const list = groups.get(paper.topic)
    if (list === undefined) groups.set(paper.topic, [i])
    else list.push(i)
  })
  const topics = [...groups.values()].sort((a, b) => b.length - a.length || a[0] - b[0])
  const quota = topics.map(() => 0)
  if (topics.length >= limit) {
    for (let t = 0; t < limit; t++) quota[t] = 1
  } else {
    const spare = limit - topics.length
    const rest = topics.reduce((sum, list) => sum + list.length - 1, 0)
    const shares = topics.map((list) => (spare * (list.length - 1)) / rest)
    shares.forEach((share, t) => (quota[t] = 1 + Math.floor(share)))
    let left = limit - quota.reduce((sum, q) => sum + q, 0)
    const byRemainder = shares.map((share, t) => ({ t, remainder: share - Math.floor(share) }))
      .sort((a, b) => b.remainder - a.remainder || a.t - b.t)
    for (const { t } of byRemainder) {
      if (left === 0) break
      quota[t]++
      left--
    }
  }
  const keys = papers.map((paper) => hash(paper.paperId))
  const chosen: Array<number> = []
  topics.forEach((list, t) => {
    if (quota[t] === 0) return
    const ordered = [...list].sort((a, b) => keys[a] - keys[b] || (papers[a].paperId < papers[b].paperId ? -1 : 1) || a - b)
    chosen.push(...ordered.slice(0, quota[t]))
  })
  return chosen.sort((a, b) => a - b)
}

const WIDTH = 900
const HEIGHT = 600
const MARGIN = 18
const toX = (x: number) => MARGIN + ((Math.max(-1, Math.min(1, finite(x))) + 1) / 2) * (WIDTH - 2 * MARGIN)
/** y grows upwards in the data and downwards in SVG. */
const toY = (y: number) => MARGIN + (1 - (Math.max(-1, Math.min(1, finite(y))) + 1) / 2) * (HEIGHT - 2 * MARGIN)

/** The short name of a cluster on the map: the first of its " / "-joined keyphrases. */
const clusterName = (cluster: HtmlCluster): string => {
  const first = cluster.label.split(" / ")[0]?.trim() || cluster.topTerms.slice(0, 2).join(", ")
  return truncate(first || `cluster ${cluster.clusterId}`, 30)
}

interface Box { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number }

/** Cluster labels, largest cluster first, each moved up or down a line if it would cover one already placed, else left out (its marker keeps the name). */
const clusterLabels = (clusters: ReadonlyArray<HtmlCluster>): string => {
  const placed: Array<Box> = []
  const parts: Array<string> = []
  const ordered = clusters.filter((cluster) => cluster.size > 0).sort((a, b) => b.size - a.size || a.clusterId - b.clusterId)
  for (const cluster of ordered) {
    const cx = toX(cluster.x)
    const cy = toY(cluster.y)
    const name = clusterName(cluster)
    parts.push(`<circle class="cc" cx="${px(cx)}" cy="${px(cy)}" r="5"><title>Cluster ${html(cluster.clusterId)}: ${html(cluster.label)} (${paperCount(cluster.size)})</title></circle>`)
    const width = name.length * 6.6 + 8
    const height = 16
    for (const offset of [-14, 16, -30, 32]) {
      const left = Math.min(WIDTH - width - 2, Math.max(2, cx - width / 2))
      const top = Math.min(HEIGHT - height - 2, Math.max(2, cy + offset - height / 2))
      const box = { left, top, right: left + width, bottom: top + height }
      if (placed.some((other) => box.left < other.right && other.left < box.right && box.top < other.bottom && other.top < box.bottom)) continue
      placed.push(box)
      parts.push(`<text class="cl" x="${px(left + width / 2)}" y="${px(top + 12)}">${html(name)}</text>`)
      break
    }
  }
  return parts.join("")
}

export interface MapParts {
  readonly svg: string
  readonly legend: string
  readonly caption: string
  readonly points: number
}

export const paperMap = (papers: ReadonlyArray<HtmlPaper>, clusters: ReadonlyArray<HtmlCluster>, index: TopicIndex, cap: number): MapParts => {
  const sample = sampleMapPoints(papers, cap)
  const radius = sample.length <= 300 ? 4.5 : sample.length <= 1_000 ? 3.5 : 2.6
  // Grey dots first, so the coloured ones are drawn over them.
  const ordered = [...sample.filter((i) => !index.colour.has(papers[i].topic)), ...sample.filter((i) => index.colour.has(papers[i].topic))]
  const dots = ordered.map((i) => {
    const paper = papers[i]
    return `<circle class="pt ${colourClass(index, paper.topic)}" cx="${px(toX(paper.x))}" cy="${px(toY(paper.y))}" r="${radius}">` +
      `<title>${html(paper.title)} — ${html(paper.topicLabel)}</title></circle>`
  })
  const svg = `<svg class="map" id="map" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="Map of papers">` +
    `<rect class="frame" x="0.5" y="0.5" width="${WIDTH - 1}" height="${HEIGHT - 1}"/>` +
    `<g class="pts">${dots.join("")}</g><g class="clusters">${clusterLabels(clusters)}</g></svg>`
  const coloured = [...index.colour].sort((a, b) => a[1] - b[1])
  const items = coloured.map(([nodeId, colour]) =>
    `<button type="button" class="lg" data-k="${colour}"><span class="sw k${colour}"></span>${html(index.byId.get(nodeId)?.label ?? nodeId)} <span class="muted">${count(index.papersOf.get(nodeId)?.length ?? 0)}</span></button>`
  )
  const grey = papers.filter((paper) => !index.colour.has(paper.topic))
  if (grey.length > 0) {
    const unassigned = grey.some((paper) => paper.topic === "unassigned")
    const others = grey.some((paper) => paper.topic !== "unassigned")
    const name = others && unassigned ? "other topics, unassigned" : others ? "other topics" : "unassigned"
    items.push(`<button type="button" class="lg" data-k="-"><span class="sw k-"></span>${name} <span class="muted">${count(grey.length)}</span></button>`)
  }
  const caption = sample.length < papers.length
    ? `${count(sample.length)} of ${count(papers.length)} papers shown, sampled per topic (every topic keeps at least one dot).`
    : `All ${count(papers.length)} papers.`
  return { svg, legend: `<div class="legend">${items.join("")}</div>`, caption, points: sample.length }
}
