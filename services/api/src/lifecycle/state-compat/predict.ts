import { parseStreamGraph, type StreamNode } from "./stream-graph.ts";
import { predictStateCompatibility, type StateCompatibility } from "./verdict.ts";

/**
 * Asks Flink for a version's stream graph: the SQL Gateway's `EXPLAIN JSON_EXECUTION_PLAN` of
 * its statements (with the session settings it is submitted with). Plans only: starts no job.
 */
export type ExplainGraph = (version: "previous" | "next") => Promise<string>;

/**
 * Remembers EXPLAIN answers by the text of the statements explained (planning the same
 * statements gives the same graph): the deployed version is planned once, not on every check.
 */
export class ExplainCache {
  readonly #entries = new Map<string, string>();
  readonly capacity: number;

  constructor(capacity = 64) {
    this.capacity = capacity;
  }

  async get(key: string, explain: () => Promise<string>): Promise<string> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const text = await explain();
    this.#entries.set(key, text);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return text;
  }
}

export interface StatePrediction extends StateCompatibility {
  /** How long asking Flink and comparing took (ms). */
  elapsedMs: number;
}

/**
 * The state-compatibility verdict of an upgrade: both versions' stream graphs from Flink's
 * planner, compared operator by operator. Never touches the running job: the deployed
 * version's graph is planned again from its stored statements (planning is deterministic), so
 * the operator ids are the ones its savepoint holds. A version Flink cannot plan, or a plan
 * Sluice cannot read, gives `unknown` with the reason.
 */
export async function predictUpgrade(
  explain: ExplainGraph,
  now: () => number = Date.now,
): Promise<StatePrediction> {
  const started = now();
  let graphs: [StreamNode[], StreamNode[]];
  try {
    graphs = await Promise.all([graphOf(explain, "previous"), graphOf(explain, "next")]);
  } catch (error) {
    return {
      verdict: "unknown",
      summary: `Sluice could not read the job graphs: ${error instanceof Error ? error.message : String(error)}`,
      operators: [],
      added: [],
      elapsedMs: now() - started,
    };
  }
  return { ...predictStateCompatibility(...graphs), elapsedMs: now() - started };
}

async function graphOf(explain: ExplainGraph, version: "previous" | "next"): Promise<StreamNode[]> {
  const text = await explain(version);
  try {
    return parseStreamGraph(text);
  } catch {
    throw new Error(`the ${version} version's plan has no JSON execution plan`);
  }
}
