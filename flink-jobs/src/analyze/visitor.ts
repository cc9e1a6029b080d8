import type { Expr, ExprKind } from "../expressions.ts";

/**
 * One handler per node kind, the way kysely's `OperationNodeVisitor` has one
 * method per node: a new kind in the union is a compile error in every table
 * of handlers until it is handled. Tables are frozen objects built once.
 */
export type NodeHandlers<Node extends { kind: string }, Args extends unknown[], Result> = {
  readonly [K in Node["kind"]]: (node: Extract<Node, { kind: K }>, ...args: Args) => Result;
};

/** Calls the handler of `node`'s kind. */
export function dispatch<Node extends { kind: string }, Args extends unknown[], Result>(
  handlers: NodeHandlers<Node, Args, Result>,
  node: Node,
  ...args: Args
): Result {
  const handler = handlers[node.kind as Node["kind"]] as (n: Node, ...a: Args) => Result;
  return handler(node, ...args);
}

/** Receives a child expression and its path relative to the parent. */
export type ChildVisitor = (child: Expr, key: (string | number)[]) => void;

const leaf = (): void => {};

/** The child expressions of each expression kind, in the order the spec schema declares them. */
const EXPR_CHILDREN: NodeHandlers<Expr, [ChildVisitor], void> = Object.freeze({
  column: leaf,
  literal: leaf,
  interval: leaf,
  compare: (e, visit) => {
    visit(e.left, ["left"]);
    visit(e.right, ["right"]);
  },
  logical: (e, visit) => {
    e.operands.forEach((o, i) => {
      visit(o, ["operands", i]);
    });
  },
  not: (e, visit) => visit(e.operand, ["operand"]),
  arithmetic: (e, visit) => {
    visit(e.left, ["left"]);
    visit(e.right, ["right"]);
  },
  isNull: (e, visit) => visit(e.operand, ["operand"]),
  like: (e, visit) => visit(e.operand, ["operand"]),
  in: (e, visit) => {
    visit(e.operand, ["operand"]);
    e.values.forEach((v, i) => {
      visit(v, ["values", i]);
    });
  },
  between: (e, visit) => {
    visit(e.operand, ["operand"]);
    visit(e.low, ["low"]);
    visit(e.high, ["high"]);
  },
  case: (e, visit) => {
    e.whens.forEach((w, i) => {
      visit(w.when, ["whens", i, "when"]);
      visit(w.result, ["whens", i, "result"]);
    });
    if (e.else !== undefined) visit(e.else, ["else"]);
  },
  cast: (e, visit) => visit(e.operand, ["operand"]),
  call: (e, visit) => {
    e.args.forEach((a, i) => {
      visit(a, ["args", i]);
    });
  },
  timestampAdd: (e, visit) => {
    visit(e.amount, ["amount"]);
    visit(e.operand, ["operand"]);
  },
  aggregate: (e, visit) => {
    if (e.arg !== undefined) visit(e.arg, ["arg"]);
  },
  over: (e, visit) => {
    if (e.arg !== undefined) visit(e.arg, ["arg"]);
    e.partitionBy.forEach((p, i) => {
      visit(p, ["partitionBy", i]);
    });
    visit(e.orderBy, ["orderBy"]);
  },
});

/** Visits the direct child expressions of `expr`. */
export function forEachChild(expr: Expr, visit: ChildVisitor): void {
  dispatch(EXPR_CHILDREN, expr, visit);
}

/** Every node of one kind in an expression tree, parents before children. */
export function collect<K extends ExprKind>(expr: Expr, kind: K): Extract<Expr, { kind: K }>[] {
  const out: Extract<Expr, { kind: K }>[] = [];
  const walk = (e: Expr) => {
    if (e.kind === kind) out.push(e as Extract<Expr, { kind: K }>);
    forEachChild(e, walk);
  };
  walk(expr);
  return out;
}

export function containsKind(expr: Expr, kind: ExprKind): boolean {
  return collect(expr, kind).length > 0;
}
