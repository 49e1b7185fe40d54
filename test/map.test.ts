import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { classify, DEFAULT_CLASSIFY } from "../pipeline/classify.ts"
import { UNASSIGNED } from "../pipeline/domain.ts"
import { evidenceFor } from "../pipeline/evidence.ts"
import { mlTaxonomy, paperNamed, samplePapers } from "./fixtures-helpers.ts"

const papers = samplePapers()
const taxonomy = mlTaxonomy()
const result = await classify(papers, taxonomy, DEFAULT_CLASSIFY)

describe("map", () => {
  const primary = (start: string) => result.assignments[paperNamed(papers, start)].topics[0]

  it.effect("gives every paper one primary topic and at most two secondary ones, scores in [0, 1]", () =>
    Effect.gen(function*() {
      assert.strictEqual(result.assignments.length, 91)
      const nodeIds = new Set([...taxonomy.nodes.map((node) => node.id), UNASSIGNED])
      for (const assignment of result.assignments) {
        assert.isAtLeast(assignment.topics.length, 1)
        assert.isAtMost(assignment.topics.length, 3)
        for (const topic of assignment.topics) {
          assert.isTrue(nodeIds.has(topic.nodeId), topic.nodeId)
          assert.isAtLeast(topic.score, 0)
          assert.isAtMost(topic.score, 1)
        }
        assert.strictEqual(new Set(assignment.topics.map((topic) => topic.nodeId)).size, assignment.topics.length)
      }
    }))

  it.effect("no topic takes more than 40% of the sample as primary", () =>
    Effect.gen(function*() {
      const counts = new Map<string, number>()
      for (const { topics } of result.assignments) counts.set(topics[0].nodeId, (counts.get(topics[0].nodeId) ?? 0) + 1)
      assert.isAtMost(Math.max(...counts.values()), 0.4 * 91)
    }))

  it.effect("puts clear-cut papers where a reader would, with the words that matched as evidence", () =>
    Effect.gen(function*() {
      const reward = primary("Reward Model Ensembles Help Mitigate Overoptimization")
      assert.strictEqual(reward.nodeId, "preference-optimization")
      assert.isTrue(reward.evidence.some((word) => /reward/.test(word)), reward.evidence.join(", "))
      assert.strictEqual(primary("Open-vocabulary Object Detection via Vision").nodeId, "visual-recognition")
      assert.strictEqual(primary("RoentGen: Vision-Language Foundation Model for Chest X-ray").nodeId, "medical-imaging")
      assert.strictEqual(primary("Dealing with training and test segmentation mismatch: FBK@IWSLT2021").nodeId, "speech-recognition")
      assert.strictEqual(primary("Calibrated Language Models Must Hallucinate").nodeId, "hallucination-factuality")
    }))

  it.effect("maps every cluster to a node or to none, with a label and top terms", () =>
    Effect.gen(function*() {
      assert.strictEqual(result.clusters.length, result.clustering.k)
      for (const cluster of result.clusters) {
        assert.isAbove(cluster.label.length, 0)
        assert.isAbove(cluster.topTerms.length, 0)
      }
      assert.strictEqual(result.clusterTopics.length, result.clustering.k)
    }))

  it.effect("evidence names the terms a paper shares with its node, strongest first, in the dump's own words", () =>
    Effect.gen(function*() {
      const model = { vocabulary: ["diffus", "diffus model", "model", "video"], surfaces: ["diffusion", "diffusion models", "models", "video"] }
      const row = { indices: Int32Array.of(0, 1, 2, 3), values: Float32Array.of(0.3, 0.6, 0.2, 0.7) }
      const node = { indices: Int32Array.of(0, 1, 3), values: Float32Array.of(0.4, 1, 0.5) }
      // "diffus" is left out: the bigram "diffusion models" already says it; "models" is not in the node.
      assert.deepStrictEqual(evidenceFor(row, node, model), ["diffusion models", "video"])
      assert.deepStrictEqual(evidenceFor(row, node, model, 1), ["diffusion models"])
    }))

  it.effect("pulls papers similar to a node's examples to that node", () =>
    Effect.gen(function*() {
      const inNode = (assignments: typeof result.assignments, nodeId: string) =>
        new Set(assignments.filter(({ topics }) => topics[0].nodeId === nodeId).map(({ paperIndex }) => papers[paperIndex].title))
      const examples = [
        "A Survey on Data Selection for Language Models",
        "Diversify and Conquer: Diversity-Centric Data Selection with Iterative Refinement"
      ]
      const before = inNode(result.assignments, "data-curation")
      const withExamples = {
        ...taxonomy,
        nodes: taxonomy.nodes.map((node) => (node.id === "data-curation" ? { ...node, examples } : node))
      }
      const after = inNode((yield* Effect.promise(() => classify(papers, withExamples, DEFAULT_CLASSIFY))).assignments, "data-curation")
      const gained = [...after].filter((title) => !before.has(title))
      assert.isAtLeast(gained.length, 2, gained.join(" | "))
      // Not only the listed papers: unlisted papers on the same subject follow them.
      assert.isTrue(gained.some((title) => !examples.includes(title) && /data (selection|subsets)/i.test(title)), gained.join(" | "))
    }))
})
