export { ExplainCache, type ExplainGraph, predictUpgrade, type StatePrediction } from "./predict.ts";
export { parseStreamGraph, type StreamNode } from "./stream-graph.ts";
export {
  type OperatorStateFate,
  predictStateCompatibility,
  STATE_FATES,
  STATE_VERDICTS,
  type StateCompatibility,
  type StateFate,
  type StateVerdict,
} from "./verdict.ts";
