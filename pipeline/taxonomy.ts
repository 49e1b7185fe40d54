/**
 * The taxonomy file: YAML decoded with its line numbers, checked against the
 * contract, every problem reported at once as `file:line:col: message`.
 */
import { createHash } from "node:crypto"
import { Effect, FileSystem } from "effect"
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type YAMLMap } from "yaml"
import { terms } from "./text.ts"
import { type Taxonomy, TaxonomyError, type TaxonomyIssue, type TaxonomyNode, UNASSIGNED } from "./domain.ts"

const TOP_KEYS = ["version", "name", "description", "nodes"] as const
const NODE_KEYS = ["id", "label", "description", "keywords", "examples", "children"] as const
const ID_PATTERN = /^[A-Za-z0-9._-]+$/

/** Edit distance, for "did you mean" on unknown keys. */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
}

const suggestKey = (key: string, allowed: ReadonlyArray<string>): string => {
  const best = [...allowed].sort((x, y) => distance(key, x) - distance(key, y))[0]
  return best !== undefined && distance(key, best) <= 2 ? ` (did you mean "${best}"?)` : ""
}

export interface TaxonomyCheck {
  readonly taxonomy: Taxonomy
  readonly warnings: ReadonlyArray<TaxonomyIssue>
}

/** Decode and check taxonomy text. Pure: the file name is only for messages. */
export const parseTaxonomy = (text: string, file: string): Effect.Effect<TaxonomyCheck, TaxonomyError> => {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true })
  const issues: Array<TaxonomyIssue> = []
  const warnings: Array<TaxonomyIssue> = []
  const at = (node: { range?: [number, number, number] | null } | null | undefined, message: string, into = issues) => {
    const position = lineCounter.linePos(node?.range?.[0] ?? 0)
    into.push({ line: position.line, col: position.col, message })
  }
  for (const error of document.errors) {
    const position = error.linePos?.[0] ?? { line: 1, col: 1 }
    issues.push({ line: position.line, col: position.col, message: `YAML syntax error: ${error.message.split("\n")[0]}` })
  }
  if (issues.length > 0) return Effect.fail(new TaxonomyError({ file, issues }))

  const root = document.contents
  const nodes: Array<TaxonomyNode> = []
  let name = ""
  if (!isMap(root)) {
    at(root as YamlNode | null, "the file must be a mapping with `version`, `name` and `nodes`")
    return Effect.fail(new TaxonomyError({ file, issues }))
  }
  const seenIds = new Map<string, number>()
  const keywordOwner = new Map<string, { readonly id: string; readonly path: string }>()
  const nodeLines = new Map<string, number>()

  const stringList = (pair: Pair, field: string, owner: string): Array<string> => {
    const value = pair.value as YamlNode | null
    if (!isSeq(value)) {
      at(pair.key as YamlNode, `\`${field}\` of "${owner}" must be a list of strings`)
      return []
    }
    const out: Array<string> = []
    for (const item of value.items) {
      if (isScalar(item) && (typeof item.value === "string" || typeof item.value === "number")) {
        const text = String(item.value).trim()
        if (text.length > 0) out.push(text)
      } else {
        at(item as YamlNode, `every item of \`${field}\` of "${owner}" must be a string`)
      }
    }
    return out
  }

  const readNodes = (list: YamlNode | null, parent: TaxonomyNode | null, keyNode: YamlNode | null): Array<string> => {
    if (!isSeq(list)) {
      at(list ?? keyNode, "`nodes` and `children` must be lists of nodes")
      return []
    }
    const ids: Array<string> = []
    for (const item of list.items) {
      if (!isMap(item)) {
        at(item as YamlNode, "a node must be a mapping with at least `id` and `label`")
        continue
      }
      const id = readNode(item as YAMLMap, parent)
      if (id !== undefined) ids.push(id)
    }
    return ids
  }

  const readNode = (map: YAMLMap, parent: TaxonomyNode | null): string | undefined => {
    const fields = new Map<string, Pair>()
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ""
      if (!(NODE_KEYS as ReadonlyArray<string>).includes(key)) {
        at(pair.key as YamlNode, `unknown key "${key}"${suggestKey(key, NODE_KEYS)}; allowed: ${NODE_KEYS.join(", ")}`)
      } else {
        fields.set(key, pair)
      }
    }
    const scalar = (field: string): string | undefined => {
      const pair = fields.get(field)
      if (pair === undefined) return undefined
      if (!isScalar(pair.value) || (typeof pair.value.value !== "string" && typeof pair.value.value !== "number")) {
        at((pair.value as YamlNode | null) ?? (pair.key as YamlNode), `\`${field}\` must be a string`)
        return undefined
      }
      return String(pair.value.value).trim()
    }
    const id = scalar("id")
    if (id === undefined) {
      if (!fields.has("id")) at(map, "a node needs an `id`")
      return undefined
    }
    const idNode = fields.get("id")!.value as YamlNode
    if (!ID_PATTERN.test(id)) at(idNode, `id "${id}" is not allowed: use letters, digits, '.', '_' and '-' only`)
    if (id === UNASSIGNED) at(idNode, `id "${UNASSIGNED}" is reserved for papers that fit no node; choose another id`)
    const firstLine = seenIds.get(id)
    if (firstLine !== undefined) at(idNode, `duplicate id "${id}" (first defined on line ${firstLine})`)
    seenIds.set(id, lineCounter.linePos(idNode.range?.[0] ?? 0).line)
    const label = scalar("label")
    if (label === undefined || label.length === 0) {
      if (label !== undefined || !fields.has("label")) at(fields.get("label")?.value as YamlNode ?? map, `node "${id}" needs a non-empty \`label\``)
    }
    const keywords = fields.has("keywords") ? stringList(fields.get("keywords")!, "keywords", id) : []
    const examples = fields.has("examples") ? stringList(fields.get("examples")!, "examples", id) : []
    const node: TaxonomyNode = {
      id,
      label: label ?? id,
      description: scalar("description") ?? "",
      keywords,
      examples,
      parentId: parent?.id ?? null,
      path: parent === null ? id : `${parent.path}/${id}`,
      depth: parent === null ? 0 : parent.depth + 1,
      childIds: []
    }
    for (const keyword of keywords) {
      const key = keyword.toLowerCase()
      const owner = keywordOwner.get(key)
      // A group may repeat its children's keywords; two unrelated nodes sharing one split its papers.
      const related = owner !== undefined && (node.path.startsWith(`${owner.path}/`) || owner.path.startsWith(`${node.path}/`) || owner.id === id)
      if (owner !== undefined && !related) at(fields.get("keywords")!.key as YamlNode, `keyword "${keyword}" is listed under "${owner.id}" and "${id}"`, warnings)
      if (owner === undefined || !related) keywordOwner.set(key, { id, path: node.path })
    }
    const index = nodes.length
    nodes.push(node)
    nodeLines.set(id, lineCounter.linePos(map.range?.[0] ?? 0).line)
    const childrenPair = fields.get("children")
    const childIds = childrenPair ? readNodes(childrenPair.value as YamlNode | null, node, childrenPair.key as YamlNode) : []
    if (childIds.length === 0 && keywords.length === 0) at(map, `leaf "${id}" has no keywords: papers can reach it only through its label and description`, warnings)
    nodes[index] = { ...node, childIds }
    return id
  }

  let nodesPair: Pair | undefined
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ""
    if (!(TOP_KEYS as ReadonlyArray<string>).includes(key)) {
      at(pair.key as YamlNode, `unknown key "${key}"${suggestKey(key, TOP_KEYS)}; allowed at the top: ${TOP_KEYS.join(", ")}`)
    } else if (key === "nodes") {
      nodesPair = pair
    } else if (key === "name") {
      name = isScalar(pair.value) ? String(pair.value.value) : ""
    } else if (key === "version" && !(isScalar(pair.value) && pair.value.value === 1)) {
      at(pair.value as YamlNode, "`version` must be 1")
    }
  }
  if (nodesPair === undefined) {
    at(root, "the taxonomy has no `nodes` list")
  } else {
    readNodes(nodesPair.value as YamlNode | null, null, nodesPair.key as YamlNode)
    if (nodes.length === 0 && issues.length === 0) at(nodesPair.key as YamlNode, "`nodes` is empty: a taxonomy needs at least one node")
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line || a.col - b.col)
    return Effect.fail(new TaxonomyError({ file, issues }))
  }
  warnings.push(...nearDuplicateNodes(nodes, (node) => nodeLines.get(node.id) ?? 1))
  warnings.sort((a, b) => a.line - b.line || a.col - b.col)
  const sha256 = createHash("sha256").update(text).digest("hex")
  return Effect.succeed({ taxonomy: { name: name || file, file, sha256, nodes }, warnings })
}

export const loadTaxonomy = Effect.fn("taxonomy.load")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(file).pipe(
    Effect.mapError(() =>
      new TaxonomyError({ file, issues: [{ line: 1, col: 1, message: "cannot read the taxonomy file (does it exist?)" }] })
    )
  )
  return yield* parseTaxonomy(text, file)
})

export const leavesOf = (taxonomy: Taxonomy): ReadonlyArray<TaxonomyNode> => taxonomy.nodes.filter((node) => node.childIds.length === 0)

/** Jaccard similarity of two nodes' term sets above which the nodes say the same thing. */
const NEAR_DUPLICATE = 0.6

/** Pairs of nodes whose texts (label, keywords, description) share most of their terms. */
export const nearDuplicateNodes = (nodes: ReadonlyArray<TaxonomyNode>, lineOf: (node: TaxonomyNode) => number): Array<TaxonomyIssue> => {
  const termSets = nodes.map((node) => new Set(terms([node.label, ...node.keywords, node.description].join(" . "))))
  const warnings: Array<TaxonomyIssue> = []
  for (let a = 0; a < nodes.length; a++) {
    for (let b = a + 1; b < nodes.length; b++) {
      if (termSets[a].size === 0 || termSets[b].size === 0) continue
      let shared = 0
      for (const term of termSets[a]) if (termSets[b].has(term)) shared++
      const jaccard = shared / (termSets[a].size + termSets[b].size - shared)
      if (jaccard >= NEAR_DUPLICATE) {
        warnings.push({
          line: lineOf(nodes[b]),
          col: 5,
          message: `nodes "${nodes[a].id}" and "${nodes[b].id}" have nearly the same text (${Math.round(jaccard * 100)}% of their terms shared): papers will split between them at random`
        })
      }
    }
  }
  return warnings
}
