import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { seededRandom } from "../pipeline/random.ts"
import { type HtmlPaper, type HtmlReportData, renderReportHtml, sampleMapPoints } from "../pipeline/reportHtml.ts"

/** The bundled sample's run (91 papers, 13 clusters, the ml-research taxonomy) as the report stage would pass it. */
const sampleData = (): HtmlReportData => JSON.parse(readFileSync(new URL("fixtures/report-data.json", import.meta.url), "utf8"))

const occurrences = (text: string, part: string): number => text.split(part).length - 1

/** Opening tags of the page: name and attribute names (quoted values skipped), for structural checks without a DOM. */
const tagsOf = (page: string): Array<{ name: string; attributes: Array<string>; raw: string }> =>
  [...page.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>/g)].map((match) => ({
    name: match[1].toLowerCase(),
    attributes: [...match[2].matchAll(/\s+([^\s=>/]+)(?:="[^"]*")?/g)].map((attribute) => attribute[1].toLowerCase()),
    raw: match[0]
  }))

const ALLOWED_TAGS = new Set([
  "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "code", "nav", "a", "main", "section",
  "dl", "div", "dt", "dd", "ul", "li", "br", "span", "b", "svg", "text", "tspan", "g", "rect", "circle", "button",
  "details", "summary", "table", "thead", "tbody", "tr", "th", "td", "footer", "script"
])

/**
 * A run of `papers` papers over the sample's 80-node taxonomy with realistic text
 * lengths: topic sizes fall off like a real dump's (Zipf), each topic a blob on the map.
 */
const syntheticData = (papers: number, seed = 7): HtmlReportData => {
  const base = sampleData()
  const random = seededRandom(seed)
  const leaves = base.topics.filter((topic) => topic.depth > 0)
  const weights = leaves.map((_, rank) => 1 / (rank + 1) ** 0.9)
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0)
  const centre = leaves.map(() => ({ x: random() * 1.6 - 0.8, y: random() * 1.6 - 0.8 }))
  const words = base.papers.flatMap((paper) => paper.title.split(" "))
  const phrases = base.papers.flatMap((paper) => paper.keyphrases)
  const pick = <A>(list: ReadonlyArray<A>): A => list[Math.floor(random() * list.length)]
  const rows: Array<HtmlPaper> = []
  for (let i = 0; i < papers; i++) {
    let r = random() * totalWeight
    let leaf = 0
    while (leaf < leaves.length - 1 && (r -= weights[leaf]) > 0) leaf++
    const topic = i % 97 === 0 ? { nodeId: "unassigned", label: "Unassigned" } : leaves[leaf]
    const gauss = () => (random() + random() + random() - 1.5) * 0.25
    rows.push({
      paperId: `2406.${String(10000 + i).padStart(5, "0")}`,
      title: Array.from({ length: 8 + Math.floor(random() * 8) }, () => pick(words)).join(" "),
      topic: topic.nodeId,
      topicLabel: topic.label,
      score: Math.round(random() * 1e4) / 1e4,
      keyphrases: Array.from({ length: 10 }, () => pick(phrases)),
      evidence: Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(words).toLowerCase()),
      clusterId: Math.floor(random() * 40),
      x: Math.max(-1, Math.min(1, centre[leaf].x + gauss())),
      y: Math.max(-1, Math.min(1, centre[leaf].y + gauss()))
    })
  }
  const own = new Map<string, number>()
  for (const paper of rows) own.set(paper.topic, (own.get(paper.topic) ?? 0) + 1)
  const topics = base.topics.map((topic) => {
    const subtree = base.topics.filter((other) => other.path === topic.path || other.path.startsWith(`${topic.path}/`))
    const papersIn = subtree.reduce((sum, other) => sum + (own.get(other.nodeId) ?? 0), 0)
    return { ...topic, papers: papersIn, papersAny: Math.round(papersIn * 1.2) }
  })
  const clusters = Array.from({ length: 40 }, (_, clusterId) => ({
    clusterId,
    size: rows.filter((paper) => paper.clusterId === clusterId).length,
    label: `${pick(phrases)} / ${pick(phrases)} / ${pick(phrases)}`,
    topTerms: Array.from({ length: 8 }, () => pick(words).toLowerCase()),
    topic: random() < 0.8 ? pick(leaves).nodeId : null,
    score: random(),
    x: random() * 1.6 - 0.8,
    y: random() * 1.6 - 0.8
  }))
  return {
    ...base,
    header: { ...base.header, papers, clusters: clusters.length, inputs: ["arxiv-metadata-oai-snapshot.json"] },
    topics,
    papers: rows,
    clusters
  }
}

const EVIL = `<script>alert(1)</script>"' onmouseover="alert(3)&<img src=x onerror=alert(2)>`

/** The sample with EVIL in every string that can come from a dump, a taxonomy or the command line. */
const poisoned = (): HtmlReportData => {
  const data = sampleData()
  const nodeId = data.papers[0].topic
  const rename = (id: string) => (id === nodeId ? `${EVIL}node` : id)
  return {
    header: { ...data.header, runId: EVIL, kind: "remap", parentRunId: EVIL, inputs: [EVIL], startedAt: EVIL, taxonomyName: EVIL, taxonomyPath: EVIL },
    topics: data.topics.map((topic) => ({ ...topic, nodeId: rename(topic.nodeId), parentId: topic.parentId, path: topic.nodeId === nodeId ? EVIL : topic.path, label: topic.nodeId === nodeId ? EVIL : topic.label })),
    papers: data.papers.map((paper, i) => ({
      ...paper,
      paperId: i === 0 ? EVIL : paper.paperId,
      title: i < 3 ? EVIL + paper.title : paper.title,
      topic: rename(paper.topic),
      topicLabel: paper.topic === nodeId ? EVIL : paper.topicLabel,
      keyphrases: [EVIL, ...paper.keyphrases],
      evidence: [EVIL, ...paper.evidence]
    })),
    clusters: data.clusters.map((cluster) => ({ ...cluster, label: EVIL, topTerms: [EVIL] })),
    suggestions: data.suggestions.map((suggestion) => ({ ...suggestion, kind: suggestion.kind === "empty-node" ? suggestion.kind : EVIL, proposedLabel: EVIL, keyphrases: [EVIL], sampleTitles: [EVIL], nearestNode: EVIL })),
    changes: [{ paperId: EVIL, title: EVIL, oldTopic: EVIL, newTopic: rename(nodeId), oldScore: 0.5, newScore: 0.7 }],
    trend: { previousRunId: EVIL, previousInputs: [EVIL], rows: [{ nodeId: EVIL, label: EVIL, previous: 3, current: 9, delta: 6 }] }
  }
}

describe("report html", () => {
  it.effect("shows a malicious title, label, keyphrase, id and file name as text in every place, attributes and JSON included", () =>
    Effect.sync(() => {
      const page = renderReportHtml(poisoned())
      const tags = tagsOf(page)
      for (const tag of tags) {
        assert.isTrue(ALLOWED_TAGS.has(tag.name), `unexpected element ${tag.raw}`)
        for (const attribute of tag.attributes) assert.notMatch(attribute, /^on|^src$|^formaction$/, `attribute ${attribute} in ${tag.raw}`)
        const style = /style="([^"]*)"/.exec(tag.raw)?.[1]
        if (style !== undefined) assert.match(style, /^width:\d+%$/, "only the trend bars' own widths")
      }
      assert.strictEqual(tags.filter((tag) => tag.name === "script").length, 2, "the JSON summary and the page's own script")
      assert.strictEqual(occurrences(page, "</script"), 2)
      assert.notInclude(page, "<img")
      // Everywhere as escaped text: header, bars, tree, map, sections, suggestions, changes, trend.
      const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=&quot;alert(3)&amp;&lt;img src=x onerror=alert(2)&gt;"
      assert.isAtLeast(occurrences(page, escaped), 20)
      for (const id of ["summary", "overview", "map-section", "topics", "suggestions", "changes", "trend"]) {
        const start = page.indexOf(`<section id="${id}">`)
        assert.isAbove(start, 0, id)
        assert.include(page.slice(start, page.indexOf("</section>", start)), "&lt;script&gt;alert(1)", id)
      }
      assert.include(page, "<title>&lt;script&gt;alert(1)&lt;/script&gt;", "SVG tooltips escape too")
      // The embedded JSON holds the raw text, with < > & as \u escapes, and parses back to it.
      const opening = `<script type="application/json" id="papersort-summary">`
      const json = page.slice(page.indexOf(opening) + opening.length, page.indexOf("</script>"))
      assert.notMatch(json, /[<>&]/)
      assert.strictEqual(JSON.parse(json).runId, EVIL)
    }))

  it.effect("is self-contained: no external script, stylesheet, image, font or link", () =>
    Effect.sync(() => {
      const page = renderReportHtml(sampleData())
      assert.notMatch(page, /https?:\/\//)
      assert.notMatch(page, /<link\b|<iframe\b|<img\b|@import|url\(/i)
      for (const tag of tagsOf(page)) {
        assert.notInclude(tag.attributes, "src", tag.raw)
        const href = /href="([^"]*)"/.exec(tag.raw)?.[1]
        if (href !== undefined) assert.match(href, /^#[A-Za-z0-9-]+$/, "only links within the page")
      }
      assert.strictEqual(occurrences(page, "<script"), 2)
      assert.include(page, `<script type="application/json" id="papersort-summary">`)
    }))

  it.effect("draws one bar per topic with papers and one dot per paper of the sample run, and the same bytes twice", () =>
    Effect.sync(() => {
      const data = sampleData()
      const page = renderReportHtml(data)
      const topicsWithPapers = new Set(data.papers.map((paper) => paper.topic)).size
      assert.strictEqual(topicsWithPapers, 41)
      assert.strictEqual(occurrences(page, `<rect class="bar `), topicsWithPapers)
      assert.strictEqual(occurrences(page, `<circle class="pt `), 91)
      assert.strictEqual(occurrences(page, `<circle class="cc"`), 13)
      assert.strictEqual(occurrences(page, `<details class="topic"`), topicsWithPapers)
      // A bar's link leads to its topic's section.
      const link = /<a href="#(t\d+)"><g class="row"><title>language-models\/instruction-tuning-finetuning: 16 papers/.exec(page)
      assert.isNotNull(link)
      assert.include(page, `<details class="topic" id="${link![1]}">`)
      assert.notInclude(page, `id="changes"`, "a plain run has no changes section")
      assert.notInclude(page, `id="trend"`)
      assert.strictEqual(renderReportHtml(data), page)
    }))

  it.effect("shows a remap's moved papers only when some moved, and the trend only when given", () =>
    Effect.sync(() => {
      const data = sampleData()
      const remap = { ...data, header: { ...data.header, kind: "remap" as const, parentRunId: "20261126-000000-aaaa" } }
      const still = renderReportHtml(remap)
      assert.notInclude(still, `<section id="changes">`)
      assert.include(still, "no paper changed its primary topic")
      const [a, b] = data.papers
      const moved = renderReportHtml({
        ...remap,
        changes: [
          { paperId: a.paperId, title: a.title, oldTopic: "llm-reasoning", newTopic: a.topic, oldScore: 0.41, newScore: a.score },
          { paperId: b.paperId, title: b.title, oldTopic: "llm-reasoning", newTopic: a.topic, oldScore: null, newScore: b.score }
        ],
        trend: { previousRunId: "20261101-000000-bbbb", previousInputs: ["june.json"], rows: [
          { nodeId: "llm-reasoning", label: "Reasoning & Chain of Thought", previous: 12, current: 1, delta: -11 },
          { nodeId: a.topic, label: a.topicLabel, previous: 2, current: 11, delta: 9 }
        ] }
      })
      const changes = moved.slice(moved.indexOf(`<section id="changes">`), moved.indexOf("</section>", moved.indexOf(`<section id="changes">`)))
      assert.include(changes, "2 papers changed their primary topic")
      assert.include(changes, a.title)
      assert.include(changes, "→ Generalization &amp; Robustness</td><td class=\"num\">2</td>", "the move counted once per pair of topics")
      assert.include(moved, `<a href="#changes">Papers that moved</a>`)
      const trend = moved.slice(moved.indexOf(`<section id="trend">`))
      assert.isBelow(trend.indexOf("Reasoning &amp; Chain of Thought"), trend.indexOf("Generalization &amp; Robustness"), "largest change first")
      assert.include(trend, `<td class="num down">−11</td>`)
      assert.include(trend, `<td class="num up">+9</td>`)
    }))

  it.effect("samples the map per topic: every topic keeps a dot, the same dots whatever the paper order", () =>
    Effect.sync(() => {
      const data = syntheticData(12_000)
      const chosen = sampleMapPoints(data.papers, 500)
      assert.strictEqual(chosen.length, 500)
      const topics = new Set(data.papers.map((paper) => paper.topic))
      assert.strictEqual(new Set(chosen.map((i) => data.papers[i].topic)).size, topics.size)
      const reversed = [...data.papers].reverse()
      const again = sampleMapPoints(reversed, 500).map((i) => reversed[i].paperId).sort()
      assert.deepStrictEqual(again, chosen.map((i) => data.papers[i].paperId).sort())
      // Shares follow topic sizes: the largest topic gets the most dots.
      const dots = (topic: string) => chosen.filter((i) => data.papers[i].topic === topic).length
      const largest = [...topics].sort((a, b) => data.papers.filter((p) => p.topic === b).length - data.papers.filter((p) => p.topic === a).length)[0]
      assert.isAtLeast(dots(largest), Math.max(...[...topics].map(dots)))
      assert.strictEqual(sampleMapPoints(data.papers.slice(0, 80), 500).length, 80, "all of them when they fit")
    }))

  it.effect("keeps a 40,000-paper run well under 5 MB: 3,000 dots, 50 papers per topic, the rest counted", () =>
    Effect.sync(() => {
      const data = syntheticData(40_000)
      const started = performance.now()
      const page = renderReportHtml(data)
      const elapsed = performance.now() - started
      const bytes = Buffer.byteLength(page)
      const sampleBytes = Buffer.byteLength(renderReportHtml(sampleData()))
      console.info(`index.html: sample run ${(sampleBytes / 1024).toFixed(0)} KiB; 40,000 papers ${(bytes / 1024 / 1024).toFixed(2)} MiB in ${elapsed.toFixed(0)} ms`)
      assert.isBelow(bytes, 3 * 1024 * 1024)
      assert.strictEqual(occurrences(page, `<circle class="pt `), 3_000)
      const topicsWithPapers = new Set(data.papers.map((paper) => paper.topic)).size
      assert.strictEqual(occurrences(page, `<rect class="bar `), topicsWithPapers)
      assert.include(page, "3,000 of 40,000 papers shown")
      const largest = Math.max(...[...new Set(data.papers.map((paper) => paper.topic))].map((topic) => data.papers.filter((paper) => paper.topic === topic).length))
      assert.include(page, `${(largest - 50).toLocaleString("en-US")} more in papers.csv`)
      assert.isAtMost(occurrences(page, `<td class="title">`), topicsWithPapers * 50)
    }))
})
