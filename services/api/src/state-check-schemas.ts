import { z } from "zod";
import { STATE_FATES, STATE_VERDICTS } from "./lifecycle/state-compat/index.ts";

/** The state-compatibility verdict of an upgrade, in the OpenAPI document. */
export const stateCompatibilitySchema = z
  .object({
    verdict: z
      .enum(STATE_VERDICTS)
      .describe(
        "compatible: every operator's state is kept; compatible-with-state-loss: the new version starts only by " +
          "dropping some state (PUT needs ?allowStateLoss=true); incompatible: it cannot start from the savepoint " +
          "(PUT needs ?stateless=true); unknown: Sluice cannot tell",
      ),
    summary: z.string(),
    operators: z
      .array(
        z.object({
          operatorId: z
            .string()
            .describe("Flink's operator id: the key of the operator's state in a savepoint"),
          operator: z.string(),
          fate: z.enum(STATE_FATES),
          reason: z.string(),
        }),
      )
      .describe("Every stateful operator of the deployed version and what happens to its state"),
    added: z
      .array(z.object({ operatorId: z.string(), operator: z.string() }))
      .describe("Stateful operators only the new version has: they start empty"),
    elapsedMs: z.number().describe("How long planning both versions and comparing took"),
  })
  .meta({ id: "StateCompatibility" });

export const upgradePlanSchema = z
  .object({
    name: z.string(),
    fromVersion: z.number().int().describe("The deployed (current) version"),
    change: z
      .enum(["ignore", "metadata", "savepoint-upgrade", "stateless-restart"])
      .describe("What applying the spec takes (the same classification PUT uses)"),
    changed: z.array(z.string()).describe("Top-level spec members that differ"),
    stateCompatibility: stateCompatibilitySchema
      .nullable()
      .describe("For a savepoint upgrade: what happens to the state; null when no state is carried over"),
  })
  .meta({ id: "UpgradePlan" });

export const planQuery = z.object({
  stateless: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .describe("Plan an upgrade that starts the new version with empty state"),
});
