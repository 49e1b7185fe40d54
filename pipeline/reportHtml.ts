/**
 * `index.html`: a run's report as one self-contained page, for people rather than
 * spreadsheets. Inline CSS, hand-written SVG and a few lines of script; no request
 * leaves the file, so it opens from disk, from a mail attachment or offline.
 *
 * Pure: `renderReportHtml(data)` returns the page as a string, the same bytes for
 * the same data. The report stage fills `HtmlReportData` from the run's rows and
 * `projectPapers`; every string in it is escaped here, also inside attributes and
 * in the embedded JSON summary.
 *
 * Parts: header (dumps, date, counts, taxonomy, run) · papers per topic (bars grouped
 * by area) beside the taxonomy tree · the map (sampled to `mapPoints`) · each topic's
 * papers (capped at `papersPerTopic`) · suggestions · a remap's changes · the trend.
 */
import { DEFAULT_HTML_OPTIONS, type HtmlReportData, type HtmlReportOptions } from "./reportHtml/data.ts"
import { count, dateTime, html, jsonForScript, papers as paperCount } from "./reportHtml/format.ts"
import { paperMap } from "./reportHtml/map.ts"
import { SCRIPT, STYLE } from "./reportHtml/page.ts"
import { changesSection, suggestionsSection, topicSections, trendSection } from "./reportHtml/tables.ts"
import { barChart, indexTopics, taxonomyTree } from "./reportHtml/topics.ts"

export type {
  HtmlChange,
  HtmlCluster,
  HtmlPaper,
  HtmlReportData,
  HtmlReportHeader,
  HtmlReportOptions,
  HtmlSuggestion,
  HtmlTopic,
  HtmlTrend,
  HtmlTrendRow
} from "./reportHtml/data.ts"
export { DEFAULT_HTML_OPTIONS } from "./reportHtml/data.ts"
export { sampleMapPoints } from "./reportHtml/map.ts"

const fact = (term: string, value: string, className = ""): string =>
  `<div><dt>${term}</dt><dd${className ? ` class="${className}"` : ""}>${value}</dd></div>`

const headerFacts = (data: HtmlReportData, topicsWithPapers: number): string => {
  const { header } = data
  const unassigned = data.papers.filter((paper) => paper.topic === "unassigned").length
  const inputs = header.inputs.length === 0
    ? "–"
    : `<ul>${header.inputs.map((input) => `<li><code>${html(input)}</code></li>`).join("")}</ul>`
  return `<dl class="facts">` +
    fact("Papers", count(header.papers), "big") +
    fact("Topics with papers", count(topicsWithPapers), "big") +
    fact("Unassigned", count(unassigned), "big") +
    fact("Clusters", count(header.clusters), "big") +
    fact("Dumps", inputs) +
    fact("Started", html(dateTime(header.startedAt))) +
    fact("Taxonomy", `${html(header.taxonomyName)}<br><code>${html(header.taxonomyPath)}</code>`) +
    fact("Run", `<code>${html(header.runId)}</code>${header.kind === "remap" ? `<br><span class="muted">remap of</span> <code>${html(header.parentRunId ?? "?")}</code>` : ""}`) +
    `</dl>`
}

/** The report page for one run. `options` caps the map and the tables for large runs. */
export const renderReportHtml = (data: HtmlReportData, options: Partial<HtmlReportOptions> = {}): string => {
  const settings = { ...DEFAULT_HTML_OPTIONS, ...options }
  const { header } = data
  const index = indexTopics(data)
  const bars = barChart(index)
  const map = paperMap(data.papers, data.clusters, index, settings.mapPoints)
  const isRemap = header.kind === "remap"
  const sections: Array<{ id: string; title: string; body: string }> = [
    { id: "summary", title: "Run", body: headerFacts(data, bars.bars) },
    {
      id: "overview",
      title: "Topics",
      body: `<div class="overview"><div><h3>Papers per topic</h3><p class="note">Primary topic of each paper, grouped by top-level area. A bar opens the topic's papers.</p>` +
        `${bars.bars > 0 ? bars.svg : `<p class="muted">No papers.</p>`}</div>` +
        `<div><h3>Taxonomy</h3><p class="note">Every node: primary papers of the node and its subtree, and papers with it at any rank.</p>${taxonomyTree(index)}</div></div>`
    },
    {
      id: "map-section",
      title: "Map of papers",
      body: `<p class="note">Each dot is a paper, placed by the first two principal components of its TF-IDF vector: papers close together share vocabulary. ` +
        `Colour = primary topic (the ${count(index.colour.size)} largest), grey = the rest. Circles mark cluster centres. Hover a dot for its title; click a legend entry to highlight a topic. ${map.caption}</p>` +
        `<div class="mapbox">${map.svg}${map.legend}</div>`
    },
    { id: "topics", title: "Papers by topic", body: `<p class="note">Best-scored first; at most ${count(settings.papersPerTopic)} per topic here, all of them in papers.csv.</p>${topicSections(index, settings.papersPerTopic)}` },
    { id: "suggestions", title: "Suggestions", body: suggestionsSection(data.suggestions, index) }
  ]
  if (data.changes.length > 0) sections.push({ id: "changes", title: "Papers that moved", body: changesSection(data.changes, index, settings.changesShown) })
  if (data.trend !== null && data.trend.rows.length > 0) sections.push({ id: "trend", title: "Trend", body: trendSection(data.trend) })
  const summary = {
    runId: header.runId,
    kind: header.kind,
    parentRunId: header.parentRunId,
    inputs: header.inputs,
    startedAt: header.startedAt,
    papers: header.papers,
    clusters: header.clusters,
    taxonomy: { name: header.taxonomyName, path: header.taxonomyPath },
    mapPoints: map.points,
    topics: index.nodes.map((node) => ({ nodeId: node.nodeId, label: node.label, papers: node.papers, papersAny: node.papersAny }))
  }
  const subtitle = isRemap
    ? `Remap of run <code>${html(header.parentRunId ?? "?")}</code>${data.changes.length === 0 ? " — no paper changed its primary topic" : ` — ${paperCount(data.changes.length)} moved`}`
    : `${paperCount(header.papers)} from ${header.inputs.map((input) => `<code>${html(input)}</code>`).join(", ") || "–"}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>papersort · ${html(header.taxonomyName)} · ${html(header.runId)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top"><h1>Papers sorted into ${html(header.taxonomyName)}</h1><p>${subtitle} · ${html(dateTime(header.startedAt))} · run <code>${html(header.runId)}</code></p></header>
<nav>${sections.map((section) => `<a href="#${section.id}">${section.title}</a>`).join("")}</nav>
<main>
${sections.map((section) => `<section id="${section.id}"><h2>${section.title}</h2>${section.body}</section>`).join("\n")}
</main>
<footer>Written by papersort. The CSV files beside this page (topics.csv, papers.csv, clusters.csv, suggestions.csv${isRemap ? ", changes.csv" : ""}) hold every row.</footer>
<script type="application/json" id="papersort-summary">${jsonForScript(summary)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`
}
