import { aggregateCalls, describeOperator, type OperatorInfo, operatorLabel } from "./operators.ts";
import type { StreamNode } from "./stream-graph.ts";

export const STATE_VERDICTS = [
  "compatible",
  "compatible-with-state-loss",
  "incompatible",
  "unknown",
] as const;
export type StateVerdict = (typeof STATE_VERDICTS)[number];
export const STATE_FATES = ["kept", "dropped", "cannot-be-restored", "unknown"] as const;
export type StateFate = (typeof STATE_FATES)[number];

/** What happens to one stateful operator's state of the deployed version. */
export interface OperatorStateFate {
  /** Flink's operator id (hex): the key of the state in the savepoint. */
  operatorId: string;
  operator: string;
  fate: StateFate;
  /** In user terms: why. */
  reason: string;
}

export interface StateCompatibility {
  verdict: StateVerdict;
  summary: string;
  /** Every stateful operator of the deployed version. */
  operators: OperatorStateFate[];
  /** Stateful operators only the new version has: they start empty. */
  added: Array<{ operatorId: string; operator: string }>;
}

type Judgement = Pick<OperatorStateFate, "fate" | "reason">;
const kept = (reason: string): Judgement => ({ fate: "kept", reason });
const lost = (reason: string): Judgement => ({ fate: "cannot-be-restored", reason });

const isStateful = (info: OperatorInfo) => info.role !== "stateless";

/**
 * Predicts what Flink does with the deployed version's state when the new version starts from
 * its savepoint. Operators are matched as Flink matches them, by operator id (both graphs'
 * ids computed by {@link parseStreamGraph}); a matched operator keeps its state when the parts of
 * its definition that shape the state (keys, aggregates, stored columns) are the same.
 */
export function predictStateCompatibility(previous: StreamNode[], next: StreamNode[]): StateCompatibility {
  const nextById = new Map(next.map((n) => [n.operatorId, n]));
  const previousIds = new Set(previous.map((n) => n.operatorId));
  const operators: OperatorStateFate[] = [];
  for (const node of previous) {
    const info = describeOperator(node.description);
    if (!isStateful(info)) continue;
    const target = nextById.get(node.operatorId);
    const judgement = target ? judge(info, describeOperator(target.description)) : missing(node, next);
    operators.push({ operatorId: node.operatorId, operator: operatorLabel(info), ...judgement });
  }
  const added = next
    .filter((n) => !previousIds.has(n.operatorId) && isStateful(describeOperator(n.description)))
    .map((n) => ({ operatorId: n.operatorId, operator: operatorLabel(describeOperator(n.description)) }));
  const verdict = overall(operators);
  return { verdict, summary: summarize(verdict, operators), operators, added };
}

function overall(operators: OperatorStateFate[]): StateVerdict {
  const fates = new Set(operators.map((o) => o.fate));
  if (fates.has("cannot-be-restored")) return "incompatible";
  if (fates.has("unknown")) return "unknown";
  if (fates.has("dropped")) return "compatible-with-state-loss";
  return "compatible";
}

function summarize(verdict: StateVerdict, operators: OperatorStateFate[]): string {
  const count = (fate: StateFate) => operators.filter((o) => o.fate === fate).length;
  const counts = `${count("kept")} kept, ${count("dropped")} dropped, ${count("cannot-be-restored")} cannot be restored, ${count("unknown")} unknown`;
  switch (verdict) {
    case "compatible":
      return `every operator's state is kept (${counts})`;
    case "compatible-with-state-loss":
      return `the new version can start from the savepoint only by dropping state (${counts}): upgrade with allowStateLoss=true`;
    case "incompatible":
      return `the new version cannot start from the savepoint (${counts}): upgrade with stateless=true to start empty`;
    default:
      return `Sluice cannot tell what happens to some state (${counts})`;
  }
}

/** The old operator's id is not in the new graph: Flink has nowhere to put its state. */
function missing(node: StreamNode, next: StreamNode[]): Judgement {
  const twin = next.find((n) => n.description === node.description);
  const why = twin
    ? "the job graph changed shape around it (operators added or removed before it, or chained to it), so Flink gives it a new id"
    : "it is not in the new version";
  return { fate: "dropped", reason: `${why}: its state would be dropped` };
}

function judge(old: OperatorInfo, now: OperatorInfo): Judgement {
  if (old.kind !== now.kind) {
    return {
      fate: "unknown",
      reason: `Flink would hand the state of a ${old.kind} to a ${now.kind} that now has its id`,
    };
  }
  switch (old.role) {
    case "source":
      return kept(
        old.table === now.table
          ? "the read positions (offsets) are kept"
          : `the read positions stored for ${old.table} are kept and used for ${now.table}`,
      );
    case "sink":
      return kept("the sink's pending writes are kept");
    case "aggregate":
      return judgeAggregate(old, now, "the running totals");
    case "window-aggregate":
      return judgeWindow(old, now);
    case "over":
      return judgeOver(old, now);
    case "join":
      return judgeJoin(old, now);
    default:
      return sameArgs(old, now)
        ? kept("its definition is unchanged")
        : {
            fate: old.role === "keyed" ? "cannot-be-restored" : "unknown",
            reason: `its definition changed from ${describeArgs(old)} to ${describeArgs(now)}`,
          };
  }
}

const sameArgs = (a: OperatorInfo, b: OperatorInfo) => JSON.stringify(a.args) === JSON.stringify(b.args);
const describeArgs = (info: OperatorInfo) =>
  `${info.kind}(${Object.entries(info.args)
    .map(([k, v]) => `${k}=[${v}]`)
    .join(", ")})`;
const code = (text: string | undefined) => (text ? `\`${text}\`` : "(none)");

function judgeAggregate(old: OperatorInfo, now: OperatorInfo, what: string): Judgement {
  if (old.args.groupBy !== now.args.groupBy) {
    return lost(
      `the GROUP BY key changed from ${code(old.args.groupBy)} to ${code(now.args.groupBy)}: ${what} cannot be kept`,
    );
  }
  const before = aggregateCalls(old.args.select).join(", ");
  const after = aggregateCalls(now.args.select).join(", ");
  if (before !== after) {
    return lost(`the aggregates changed from ${code(before)} to ${code(after)}: ${what} cannot be kept`);
  }
  return kept(`same key and aggregates: ${what} are kept`);
}

const windowKind = (window: string | undefined) => /^(\w+)/.exec(window ?? "")?.[1] ?? "";

function judgeWindow(old: OperatorInfo, now: OperatorInfo): Judgement {
  const aggregate = judgeAggregate(old, now, "the open windows' totals");
  if (aggregate.fate !== "kept") return aggregate;
  const [from, to] = [windowKind(old.args.window), windowKind(now.args.window)];
  if (old.args.window === now.args.window) return aggregate;
  if ((from === "SESSION") !== (to === "SESSION")) {
    return lost(
      `the window changed from ${code(old.args.window)} to ${code(now.args.window)}: session windows keep their state differently, the open windows cannot be kept`,
    );
  }
  return kept(
    `the window changed from ${code(old.args.window)} to ${code(now.args.window)}: the open windows' totals are kept but keep the bounds they had`,
  );
}

const unbounded = (window: string | undefined) => /UNBOUNDED PRECEDING/i.test(window ?? "");

function judgeOver(old: OperatorInfo, now: OperatorInfo): Judgement {
  for (const [arg, name] of [
    ["partitionBy", "PARTITION BY key"],
    ["orderBy", "ORDER BY"],
  ] as const) {
    if (old.args[arg] !== now.args[arg]) {
      return lost(
        `the OVER window's ${name} changed from ${code(old.args[arg])} to ${code(now.args[arg])}: its running state cannot be kept`,
      );
    }
  }
  if (old.args.select !== now.args.select) {
    return lost(
      "the OVER window's columns or aggregates changed: the rows and accumulators it keeps have a different shape and cannot be kept",
    );
  }
  if (old.args.window === now.args.window) return kept("same partitions, columns and aggregates: kept");
  if (unbounded(old.args.window) !== unbounded(now.args.window)) {
    return {
      fate: "unknown",
      reason: `the OVER frame changed from ${code(old.args.window)} to ${code(now.args.window)}: Flink runs bounded and unbounded frames with different state`,
    };
  }
  return kept(
    `the OVER frame changed from ${code(old.args.window)} to ${code(now.args.window)}: the kept rows are reused`,
  );
}

/** The equalities a join is keyed by: `product_id = product_id0`, temporal join keys. */
function joinKeys(where: string | undefined): string {
  const text = where ?? "";
  const equalities = [...text.matchAll(/\(([\w$]+) = ([\w$]+)\)/g)].map((m) => `${m[1]} = ${m[2]}`);
  const temporal = [...text.matchAll(/__TEMPORAL_JOIN_(?:LEFT|RIGHT)_KEY\(([^)]*)\)/g)].map((m) => m[1]);
  return [...equalities.sort(), ...temporal].join(", ");
}

function judgeJoin(old: OperatorInfo, now: OperatorInfo): Judgement {
  if (joinKeys(old.args.where) !== joinKeys(now.args.where)) {
    return lost(
      `the join keys changed from ${code(joinKeys(old.args.where))} to ${code(joinKeys(now.args.where))}: the rows waiting to be joined cannot be kept`,
    );
  }
  if (old.args.joinType !== now.args.joinType) {
    return lost(
      `the join type changed from ${old.args.joinType} to ${now.args.joinType}: its state cannot be kept`,
    );
  }
  if (old.args.select !== now.args.select) {
    return lost(
      "the joined columns changed: the rows the join keeps have a different shape and cannot be kept",
    );
  }
  if (old.args.where !== now.args.where) {
    return kept(
      `same join keys (${joinKeys(now.args.where)}): the rows waiting to be joined are kept; the changed condition applies to the joins made from now on`,
    );
  }
  return kept("same condition and columns: the rows waiting to be joined are kept");
}
