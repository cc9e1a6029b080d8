import type { FunctionName } from "../expressions.ts";
import type { SqlType, TypeFamily } from "../sql-types.ts";
import { DOUBLE, INT, STRING, TIMESTAMP_LTZ3, TIMESTAMP3, type TimeAttribute } from "./types.ts";

/** Scalar function signatures: argument families (the last one repeats) and result type. */
export interface FunctionSignature {
  min: number;
  max: number;
  args: (TypeFamily | "any")[];
  result: (args: (SqlType | null)[]) => SqlType | null;
  time?: TimeAttribute;
}

const first = (args: (SqlType | null)[]) => args[0] ?? null;

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSignature>> = Object.freeze({
  LOWER: { min: 1, max: 1, args: ["string"], result: () => STRING },
  UPPER: { min: 1, max: 1, args: ["string"], result: () => STRING },
  TRIM: { min: 1, max: 1, args: ["string"], result: () => STRING },
  CHAR_LENGTH: { min: 1, max: 1, args: ["string"], result: () => INT },
  CONCAT: { min: 1, max: 100, args: ["string"], result: () => STRING },
  SUBSTR: { min: 2, max: 3, args: ["string", "number", "number"], result: () => STRING },
  REPLACE: { min: 3, max: 3, args: ["string"], result: () => STRING },
  ABS: { min: 1, max: 1, args: ["number"], result: first },
  SQRT: { min: 1, max: 1, args: ["number"], result: () => DOUBLE },
  POWER: { min: 2, max: 2, args: ["number"], result: () => DOUBLE },
  FLOOR: { min: 1, max: 1, args: ["number"], result: first },
  CEIL: { min: 1, max: 1, args: ["number"], result: first },
  ROUND: { min: 1, max: 2, args: ["number"], result: first },
  LN: { min: 1, max: 1, args: ["number"], result: () => DOUBLE },
  EXP: { min: 1, max: 1, args: ["number"], result: () => DOUBLE },
  MOD: { min: 2, max: 2, args: ["number"], result: (a) => a[1] ?? null },
  DATE_FORMAT: { min: 2, max: 2, args: ["timestamp", "string"], result: () => STRING },
  TO_TIMESTAMP_LTZ: { min: 2, max: 2, args: ["number", "number"], result: () => TIMESTAMP_LTZ3 },
  TO_TIMESTAMP: { min: 1, max: 2, args: ["string", "string"], result: () => TIMESTAMP3 },
  COALESCE: { min: 1, max: 100, args: ["any"], result: (a) => a.find((t) => t !== null) ?? null },
  CARDINALITY: { min: 1, max: 1, args: ["any"], result: () => INT },
  PROCTIME: { min: 0, max: 0, args: [], result: () => TIMESTAMP_LTZ3, time: "proctime" },
  CURRENT_TIMESTAMP: { min: 0, max: 0, args: [], result: () => TIMESTAMP_LTZ3 },
});
