/**
 * Benchmark corpora: N distinct papers in the arXiv snapshot format (`arxiv-jsonl`),
 * made by recombining sentences of the real dev-set abstracts, with fresh ids and
 * titles. Seeded, cached under bench/.cache/.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { seededRandom } from "../pipeline/random.ts"

export const DEV_SET = join(import.meta.dirname, "..", "..", "shared", "data", "arxiv-cs-dev.jsonl")
export const CACHE = join(import.meta.dirname, ".cache")

interface DevPaper {
  readonly title: string
  readonly sentences: ReadonlyArray<string>
  readonly labels: ReadonlyArray<string>
}

const loadDev = async (): Promise<Array<DevPaper>> => {
  const papers: Array<DevPaper> = []
  for await (const line of createInterface({ input: createReadStream(DEV_SET) })) {
    if (line.trim().length === 0) continue
    const record = JSON.parse(line) as { title: string; abstract: string; labels: Array<string> }
    papers.push({ title: record.title, sentences: record.abstract.split(/(?<=[.!?])\s+(?=[A-Z])/), labels: record.labels })
  }
  return papers
}

/** Path of a cached corpus of `papers` papers, generating it first when missing. */
export const corpusFile = async (papers: number, seed = 7): Promise<string> => {
  const file = join(CACHE, `arxiv-snapshot-${papers}.jsonl`)
  if (existsSync(file)) return file
  mkdirSync(CACHE, { recursive: true })
  const dev = await loadDev()
  const random = seededRandom(seed)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]
  const partial = `${file}.partial`
  const out = createWriteStream(partial)
  for (let i = 0; i < papers; i++) {
    // Each synthetic paper keeps one real paper's field: its title words and most of its sentences.
    const base = pick(dev)
    const other = pick(dev)
    const sentences = [...base.sentences.slice(0, Math.max(1, base.sentences.length - 2)), ...other.sentences.slice(-2)]
    const titleWords = base.title.split(" ")
    const title = `${titleWords.slice(0, Math.max(2, titleWords.length - 1)).join(" ")} ${pick(other.title.split(" "))} (${i})`
    const record = {
      id: `${String(2601 + Math.floor(i / 99_999)).padStart(4, "0")}.${String(i % 99_999).padStart(5, "0")}`,
      title,
      abstract: sentences.join(" "),
      categories: base.labels.join(" "),
      authors: "",
      update_date: "2026-01-15"
    }
    if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
  renameSync(partial, file)
  return file
}
