/**
 * The report in a real browser: headless Debian Chromium driven by playwright-core.
 * Opens index.html from disk, checks that the charts drew, that nothing failed and
 * that nothing was fetched, and leaves a screenshot in reports/ for a reader.
 * In CI (.ci/run installs Chromium) a missing browser fails; elsewhere it skips.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { type HtmlReportData, renderReportHtml } from "../pipeline/reportHtml.ts"

const CHROMIUM = "/usr/bin/chromium"
const available = existsSync(CHROMIUM)
const inCi = Boolean(process.env.CI)
if (!available && !inCi) {
  console.warn(`browser.e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium; in CI .ci/run installs it and the test must run)`)
}

// The flags that keep Chromium off this machine's closed network (see machines/node.md).
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

const MALICIOUS = `<script>alert(1)</script><img src=x onerror=alert(2)>`

/** The bundled sample's run as a remap with two moved papers, a trend, and a paper titled like an attack. */
const reportData = (): HtmlReportData => {
  const data: HtmlReportData = JSON.parse(readFileSync(new URL("fixtures/report-data.json", import.meta.url), "utf8"))
  const [first, second] = data.papers
  const attack = { ...data.papers[2], paperId: "t:0000000000000bad", title: MALICIOUS, keyphrases: [MALICIOUS], x: 0.1, y: -0.2 }
  return {
    ...data,
    header: { ...data.header, kind: "remap", parentRunId: "20261126-120000-a1b2", papers: data.papers.length + 1 },
    papers: [...data.papers, attack],
    changes: [
      { paperId: first.paperId, title: first.title, oldTopic: "llm-reasoning", newTopic: first.topic, oldScore: 0.44, newScore: first.score },
      { paperId: second.paperId, title: second.title, oldTopic: "benchmarks", newTopic: second.topic, oldScore: 0.38, newScore: second.score }
    ],
    trend: {
      previousRunId: "20261101-090000-c3d4",
      previousInputs: ["data/samples/hf-daily-papers-2026-10.txt"],
      rows: [
        { nodeId: "instruction-tuning-finetuning", label: "Instruction Tuning & Fine-Tuning", previous: 7, current: 16, delta: 9 },
        { nodeId: "llm-reasoning", label: "Reasoning & Chain of Thought", previous: 9, current: 1, delta: -8 },
        { nodeId: "generalization-robustness", label: "Generalization & Robustness", previous: 8, current: 11, delta: 3 }
      ]
    }
  }
}

/** 40,040 papers: the sample's papers 440 times over, spread around their own dots. */
const largeData = (): HtmlReportData => {
  const data: HtmlReportData = JSON.parse(readFileSync(new URL("fixtures/report-data.json", import.meta.url), "utf8"))
  const papers = Array.from({ length: 440 }, (_, copy) =>
    data.papers.map((paper, i) => ({
      ...paper,
      paperId: `${paper.paperId}-${copy}`,
      title: `${paper.title} (${copy})`,
      score: (paper.score * (copy + 1)) % 1,
      x: Math.max(-1, Math.min(1, paper.x + Math.sin(copy * 12.9898 + i) * 0.08)),
      y: Math.max(-1, Math.min(1, paper.y + Math.cos(copy * 78.233 + i) * 0.08))
    }))).flat()
  return { ...data, header: { ...data.header, papers: papers.length }, papers }
}

interface Watched {
  readonly errors: Array<string>
  readonly requests: Array<string>
  readonly dialogs: Array<string>
}

const watch = (page: Page): Watched => {
  const watched: Watched = { errors: [], requests: [], dialogs: [] }
  page.on("pageerror", (error) => watched.errors.push(`pageerror: ${error.message}`))
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") watched.errors.push(`console.${message.type()}: ${message.text()}`)
  })
  page.on("request", (request) => watched.requests.push(request.url()))
  page.on("dialog", (dialog) => {
    watched.dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  return watched
}

/** Launch Chromium, run `use`, always close it and remove the temp folder. */
const withBrowser = <A>(use: (browser: Browser, dir: string) => Promise<A>) =>
  Effect.promise(async () => {
    if (!available) assert.fail(`no Chromium at ${CHROMIUM}: CI must install it (.ci/run does: apt-get install chromium)`)
    const dir = mkdtempSync(join(tmpdir(), "papersort-html-"))
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    try {
      return await use(browser, dir)
    } finally {
      await browser.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

/** Render a report into `dir` and open it in a fresh page that records errors and requests. */
const openReport = async (browser: Browser, dir: string, data: HtmlReportData) => {
  const file = join(dir, "index.html")
  writeFileSync(file, renderReportHtml(data))
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } })
  const watched = watch(page)
  const started = Date.now()
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" })
  return { file, page, watched, loadMs: Date.now() - started }
}

describe("report in a browser", () => {
  it.effect.skipIf(!available && !inCi)("draws the bars, the tree and the map of the sample run, with no error and no request", () =>
    withBrowser(async (browser, dir) => {
      const data = reportData()
      const { file, page, watched } = await openReport(browser, dir, data)

      const topicsWithPapers = new Set(data.papers.map((paper) => paper.topic)).size
      assert.strictEqual(await page.locator("svg.bars rect.bar").count(), topicsWithPapers)
      assert.strictEqual(await page.locator("svg.map circle.pt").count(), data.papers.length)
      assert.strictEqual(await page.locator("svg.map circle.cc").count(), data.clusters.length)
      assert.isAtLeast(await page.locator("svg.map text.cl").count(), 6, "most cluster labels find a free place")
      assert.strictEqual(await page.locator(".tree li").count(), data.topics.length, "every taxonomy node in the tree")
      // Drawn, not just present: the largest bar and the map have real size on screen.
      const bar = await page.locator("svg.bars rect.bar").first().boundingBox()
      const map = await page.locator("svg.map").boundingBox()
      assert.isAbove(bar!.width, 100)
      assert.isAbove(map!.width, 600)
      assert.isAbove(map!.height, 400)
      // Browser-side code as a string: the project's TypeScript has no DOM library.
      const dotsInside = await page.evaluate<number>(`(() => {
        const frame = document.querySelector("svg.map").getBoundingClientRect()
        return [...document.querySelectorAll("svg.map circle.pt")].filter((dot) => {
          const box = dot.getBoundingClientRect()
          return box.width > 0 && box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom
        }).length
      })()`)
      assert.strictEqual(dotsInside, data.papers.length)

      // The attack title is text on the page, not markup.
      assert.strictEqual(await page.locator("img").count(), 0)
      assert.strictEqual(await page.locator("script").count(), 2)
      assert.isTrue(await page.locator("svg.map circle.pt title").evaluateAll((titles, text) => titles.some((title) => title.textContent!.startsWith(text)), MALICIOUS))

      // A bar opens its topic's papers; a legend entry highlights its topic on the map.
      const largest = page.locator("svg.bars a").first()
      const target = (await largest.getAttribute("href"))!.slice(1)
      await largest.click()
      assert.isTrue(await page.locator(`details#${target}`).evaluate((details) => (details as unknown as { open: boolean }).open))
      assert.isAtLeast(await page.locator(`details#${target} tbody tr`).count(), 10)
      await page.locator(".lg").first().click()
      assert.isTrue(await page.locator("svg.map").evaluate((svg) => svg.classList.contains("hl")))
      await page.locator(".lg").first().click()
      assert.isTrue(await page.locator(`#changes tbody tr`).count() > 0)
      assert.strictEqual(await page.locator("#trend table.trend tbody tr").count(), 3)

      mkdirSync("reports", { recursive: true })
      await page.evaluate("window.scrollTo(0, 0)")
      await page.screenshot({ path: "reports/report-screenshot.png", fullPage: true })

      assert.deepStrictEqual(watched.errors, [])
      assert.deepStrictEqual(watched.dialogs, [], "no script from the dump ran")
      assert.deepStrictEqual(watched.requests.filter((url) => !url.startsWith("file:") && !url.startsWith("data:")), [])
      assert.deepStrictEqual(watched.requests, [pathToFileURL(file).href], "the page itself is the only request")
    }))

  it.effect.skipIf(!available && !inCi)("opens a 40,000-paper report quickly with a 3,000-dot map", () =>
    withBrowser(async (browser, dir) => {
      const data = largeData()
      const { file, loadMs: loaded, page, watched } = await openReport(browser, dir, data)
      assert.strictEqual(await page.locator("svg.map circle.pt").count(), 3_000)
      assert.strictEqual(await page.locator("details.topic").count(), new Set(data.papers.map((paper) => paper.topic)).size)
      assert.isBelow(loaded, 15_000, `load took ${loaded} ms`)
      assert.deepStrictEqual(watched.errors, [])
      assert.deepStrictEqual(watched.requests, [pathToFileURL(file).href])
    }))
})
