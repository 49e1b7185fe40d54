/**
 * The report's tables: each topic's papers (collapsible, best-scored first, capped),
 * the suggestions, a remap's moved papers and the trend against an earlier run.
 */
import type { HtmlChange, HtmlSuggestion, HtmlTrend } from "./data.ts"
import { count, html, papers as paperCount, score, signed } from "./format.ts"
import { colourClass, type TopicIndex } from "./topics.ts"

const chips = (items: ReadonlyArray<string>): string => items.map((item) => `<span class="ev">${html(item)}</span>`).join(" ")

/** Keyphrases as plain text: markup per phrase would cost a 40,000-paper page a megabyte. */
const phrases = (items: ReadonlyArray<string>): string => `<td class="kp">${items.map(html).join(" · ")}</td>`

const labelOf = (index: TopicIndex, nodeId: string | null): string =>
  nodeId === null ? "–" : html(index.byId.get(nodeId)?.label ?? nodeId)

/** One `<details>` per topic with papers, in taxonomy order under area headings. */
export const topicSections = (index: TopicIndex, perTopic: number): string => {
  const parts: Array<string> = []
  let currentArea: string | null = null
  for (const node of index.nodes) {
    const papers = index.papersOf.get(node.nodeId) ?? []
    if (papers.length === 0) continue
    const area = index.areaOf(node.nodeId)
    if (area.nodeId !== currentArea) {
      currentArea = area.nodeId
      parts.push(`<h3>${html(area.label)} <span class="muted">${paperCount(area.papers)}</span></h3>`)
    }
    const shown = papers.slice(0, perTopic)
    const rows = shown.map((paper, rank) =>
      `<tr><td class="num">${rank + 1}</td><td class="title">${html(paper.title)}</td><td class="num">${score(paper.score)}</td>` +
      `${phrases(paper.keyphrases)}<td>${chips(paper.evidence)}</td></tr>`
    )
    const more = papers.length - shown.length
    parts.push(
      `<details class="topic" id="${index.sectionId.get(node.nodeId)}"><summary><span class="sw ${colourClass(index, node.nodeId)}"></span>` +
        `<span class="tl">${html(node.label)}</span> <span class="path">${html(node.path)}</span> <span class="count">${paperCount(papers.length)}</span></summary>` +
        `<table class="papers"><thead><tr><th>#</th><th>Title</th><th>Score</th><th>Keyphrases</th><th>Evidence</th></tr></thead>` +
        `<tbody>${rows.join("")}</tbody></table>` +
        (more > 0 ? `<p class="more">${count(more)} more in papers.csv</p>` : "") +
        `</details>`
    )
  }
  return parts.join("")
}

const KIND_TITLES: Record<string, { title: string; note: string }> = {
  "new-topic": {
    title: "Clusters no topic fits well",
    note: "Candidates for new taxonomy nodes: each is a cluster whose best node scored below the threshold."
  },
  "empty-node": {
    title: "Topics without papers",
    note: "Nodes of the taxonomy that no paper of this run landed in."
  }
}

/** Suggestions grouped by kind, cluster candidates first. */
export const suggestionsSection = (suggestions: ReadonlyArray<HtmlSuggestion>, index: TopicIndex): string => {
  if (suggestions.length === 0) return `<p class="muted">No suggestions: every cluster fits a topic and every topic has papers.</p>`
  const kinds = [...new Set(suggestions.map((suggestion) => suggestion.kind))]
    .sort((a, b) => Number(b === "new-topic") - Number(a === "new-topic") || Number(a === "empty-node") - Number(b === "empty-node"))
  return kinds.map((kind) => {
    const rows = suggestions.filter((suggestion) => suggestion.kind === kind)
    const { title, note } = KIND_TITLES[kind] ?? { title: kind, note: "" }
    const heading = `<h3>${html(title)} <span class="muted">${count(rows.length)}</span></h3>${note ? `<p class="note">${html(note)}</p>` : ""}`
    if (kind === "empty-node") {
      const items = rows.map((row) =>
        `<li><b>${html(row.proposedLabel)}</b> <code>${html(row.nearestNode ?? "")}</code>${row.keyphrases.length > 0 ? ` <span class="muted">${html(row.keyphrases.slice(0, 8).join(", "))}</span>` : ""}</li>`
      )
      return `${heading}<ul class="empty">${items.join("")}</ul>`
    }
    const body = rows.map((row) =>
      `<tr><td><b>${html(row.proposedLabel)}</b>${row.clusterId !== null ? ` <span class="muted">cluster ${html(row.clusterId)}</span>` : ""}</td>` +
      `<td class="num">${count(row.size)}</td>${phrases(row.keyphrases)}` +
      `<td><ul class="titles">${row.sampleTitles.map((sample) => `<li>${html(sample)}</li>`).join("")}</ul></td>` +
      `<td>${labelOf(index, row.nearestNode)}</td><td class="num">${score(row.score)}</td></tr>`
    )
    return `${heading}<table class="suggestions"><thead><tr><th>Proposed label</th><th>Papers</th><th>Keyphrases</th><th>Sample titles</th><th>Nearest node</th><th>Score</th></tr></thead><tbody>${body.join("")}</tbody></table>`
  }).join("")
}

/** A remap's moved papers: the commonest moves, then the papers (capped). */
export const changesSection = (changes: ReadonlyArray<HtmlChange>, index: TopicIndex, shown: number): string => {
  const flows = new Map<string, { from: string | null; to: string; papers: number }>()
  for (const change of changes) {
    const key = JSON.stringify([change.oldTopic, change.newTopic])
    const flow = flows.get(key) ?? { from: change.oldTopic, to: change.newTopic, papers: 0 }
    flow.papers++
    flows.set(key, flow)
  }
  const top = [...flows.values()].sort((a, b) => b.papers - a.papers || (a.to < b.to ? -1 : a.to > b.to ? 1 : 0)).slice(0, 12)
  const flowRows = top.map((flow) =>
    `<tr><td>${labelOf(index, flow.from)}</td><td>→ ${labelOf(index, flow.to)}</td><td class="num">${count(flow.papers)}</td></tr>`
  )
  const rows = changes.slice(0, shown).map((change) =>
    `<tr><td class="title">${html(change.title)}</td><td>${labelOf(index, change.oldTopic)} <span class="muted">${score(change.oldScore)}</span></td>` +
    `<td>${labelOf(index, change.newTopic)} <span class="muted">${score(change.newScore)}</span></td></tr>`
  )
  const more = changes.length - rows.length
  return `<p>${paperCount(changes.length)} changed ${changes.length === 1 ? "its" : "their"} primary topic.</p>` +
    `<table class="flows"><thead><tr><th>From</th><th>To</th><th>Papers</th></tr></thead><tbody>${flowRows.join("")}</tbody></table>` +
    `<table class="changes"><thead><tr><th>Title</th><th>Was</th><th>Now</th></tr></thead><tbody>${rows.join("")}</tbody></table>` +
    (more > 0 ? `<p class="more">${count(more)} more in changes.csv</p>` : "")
}

/** Topics that grew or shrank against an earlier run, largest change first, with a bar for the change. */
export const trendSection = (trend: HtmlTrend): string => {
  const rows = [...trend.rows].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
  const max = Math.max(1, ...rows.map((row) => Math.abs(row.delta)))
  const body = rows.map((row) => {
    const width = Math.round((Math.abs(row.delta) / max) * 100)
    return `<tr><td>${html(row.label)} <code>${html(row.nodeId)}</code></td><td class="num">${count(row.previous)}</td><td class="num">${count(row.current)}</td>` +
      `<td class="num ${row.delta > 0 ? "up" : row.delta < 0 ? "down" : ""}">${signed(row.delta)}</td>` +
      `<td class="delta"><span class="${row.delta >= 0 ? "up" : "down"}" style="width:${width}%"></span></td></tr>`
  })
  return `<p>Compared with run <code>${html(trend.previousRunId)}</code> on ${trend.previousInputs.map((input) => `<code>${html(input)}</code>`).join(", ") || "–"}.</p>` +
    `<table class="trend"><thead><tr><th>Topic</th><th>Before</th><th>Now</th><th>Change</th><th></th></tr></thead><tbody>${body.join("")}</tbody></table>`
}
