import { z } from "zod";
import { murmur3OfInts, toHex } from "./murmur3.ts";

/**
 * The stream graph of a job as Flink's `EXPLAIN JSON_EXECUTION_PLAN` prints it, and the operator
 * ids Flink derives from it. Sluice's SQL jobs set no uids (`table.exec.uid.generation` is
 * PLAN_ONLY and jobs are not submitted as compiled plans), so every operator id is the hash
 * `StreamGraphHasherV2` computes from the graph's shape: the node's position in a breadth-first
 * walk from the sources, the number of operators chained to it, and its inputs' hashes. The
 * savepoint stores each operator's state under that id; this module computes the same ids.
 */

const planNodeSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  contents: z.string(),
  parallelism: z.number().int(),
  predecessors: z
    .array(z.object({ id: z.number().int(), ship_strategy: z.string() }))
    .optional()
    .default([]),
});
const planSchema = z.object({ nodes: z.array(planNodeSchema) });

export interface StreamNode {
  /** The node id in this plan (a counter: differs between two compilations of the same job). */
  nodeId: number;
  /** Flink's operator id (hex), the key of the operator's state in a savepoint. */
  operatorId: string;
  /** e.g. `GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c])`, `snk: Writer`. */
  description: string;
  parallelism: number;
  /** Whether the operator is the first of its chain (its id is then the job vertex id). */
  chainHead: boolean;
}

interface Edge {
  source: number;
  target: number;
  forward: boolean;
}

const MARKER = "== Physical Execution Plan ==";

/** The JSON execution plan inside an EXPLAIN answer, or `undefined` when there is none. */
export function executionPlanJson(explainText: string): unknown {
  const at = explainText.indexOf(MARKER);
  const text = at >= 0 ? explainText.slice(at + MARKER.length) : explainText;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/** Parses an EXPLAIN JSON_EXECUTION_PLAN answer; throws a `ZodError` when it is not one. */
export function parseStreamGraph(explainText: string): StreamNode[] {
  const plan = planSchema.parse(executionPlanJson(explainText));
  const edges: Edge[] = plan.nodes.flatMap((n) =>
    n.predecessors.map((p) => ({ source: p.id, target: n.id, forward: p.ship_strategy === "FORWARD" })),
  );
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const inputs = (id: number) => edges.filter((e) => e.target === id);
  const outputs = (id: number) => edges.filter((e) => e.source === id).sort((a, b) => a.target - b.target);
  // StreamingJobGraphGenerator.isChainable, as far as the plan shows it: a forward edge into an
  // operator with one input and the same parallelism (SQL operators chain whenever they can).
  const chainable = (e: Edge) =>
    e.forward &&
    inputs(e.target).length === 1 &&
    byId.get(e.source)?.parallelism === byId.get(e.target)?.parallelism;
  const hashes = hashNodes(
    plan.nodes.map((n) => n.id),
    inputs,
    outputs,
    chainable,
  );
  return plan.nodes.map((n) => ({
    nodeId: n.id,
    operatorId: toHex(hashes.get(n.id) ?? new Uint8Array(16)),
    description: n.contents.replace(/^\[\d+\]:/, "").replace(/\[\d+\]/g, ""),
    parallelism: n.parallelism,
    chainHead: !inputs(n.id).some(chainable),
  }));
}

/** StreamGraphHasherV2.traverseStreamGraphAndGenerateHashes for graphs without user uids. */
function hashNodes(
  ids: number[],
  inputs: (id: number) => Edge[],
  outputs: (id: number) => Edge[],
  chainable: (e: Edge) => boolean,
): Map<number, Uint8Array> {
  const hashes = new Map<number, Uint8Array>();
  const sources = ids.filter((id) => inputs(id).length === 0).sort((a, b) => a - b);
  const queue = [...sources];
  const visited = new Set(sources);
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const ins = inputs(id);
    if (ins.some((e) => !hashes.has(e.source))) {
      visited.delete(id);
      continue;
    }
    const position = hashes.size;
    const local = [
      position,
      ...outputs(id)
        .filter(chainable)
        .map(() => position),
    ];
    const hash = murmur3OfInts(local);
    for (const e of ins) {
      const other = hashes.get(e.source) ?? new Uint8Array(16);
      for (let j = 0; j < hash.length; j++) hash[j] = (((hash[j] ?? 0) * 37) ^ (other[j] ?? 0)) & 0xff;
    }
    hashes.set(id, hash);
    for (const e of outputs(id)) {
      if (!visited.has(e.target)) {
        queue.push(e.target);
        visited.add(e.target);
      }
    }
  }
  return hashes;
}
