import { FLOW_THRESHOLD_NAMES } from "@sluice/flink-jobs";
import { z } from "zod";
import { CONDITION_TYPES } from "./conditions.ts";

const isoTime = z.iso.datetime();
const count = z.number().min(0);

export const conditionSchema = z
  .object({
    type: z.enum(CONDITION_TYPES),
    status: z.enum(["True", "False", "Unknown"]),
    reason: z.string().describe("CamelCase, stable (e.g. NoOutput, Lagging, MetricsStale)"),
    message: z.string(),
    since: isoTime.describe("When the status last changed"),
  })
  .meta({ id: "Condition" });

export const flowSchema = z
  .object({
    flinkJobId: z.string(),
    readAt: isoTime.describe("When Sluice read these metrics from Flink"),
    ageMs: z.number().int().min(0).describe("How old they are; never more than SLUICE_FLOW_MAX_AGE_MS"),
    sources: z.array(
      z.object({
        table: z.string(),
        recordsRead: count,
        bytesRead: count.nullable(),
        errors: count.describe("Records the source counted as errors"),
        deadLettered: count.describe("Records written to the table's dead-letter sink"),
        lag: count.nullable().describe("Records behind the end of the input (Kafka pendingRecords)"),
        watermarkLagMs: count.nullable().describe("Read time minus the source's lowest watermark"),
        readRate: count.nullable().describe("Records per second since the previous read"),
      }),
    ),
    sinks: z.array(
      z.object({
        table: z.string(),
        recordsWritten: count,
        lastWriteAt: isoTime.nullable().describe("When a read first saw the count grow"),
        writeRate: count.nullable(),
      }),
    ),
    checkpoint: z
      .object({
        id: z.number().int(),
        completedAt: isoTime,
        ageMs: z.number().int().min(0),
        durationMs: count.nullable(),
        sizeBytes: count.nullable(),
      })
      .nullable()
      .describe("The last completed checkpoint"),
    checkpointFailures: count,
    restarts: count,
    busiest: z
      .object({ vertex: z.string(), busyRatio: count, backPressuredRatio: count })
      .nullable()
      .describe("The busiest task: busy and back-pressured time per second as ratios 0..1"),
  })
  .meta({ id: "Flow" });

export const flowThresholdsSchema = z
  .object({
    noOutputMs: z.number().int().describe("DataFlowing False after input without output for this long"),
    maxLagRecords: z.number().int().describe("CaughtUp False above this many records behind"),
    checkpointMaxAgeMs: z
      .number()
      .int()
      .describe("CheckpointsHealthy False with no checkpoint for this long"),
    deadLetterWindowMs: z.number().int().describe("NoDeadLetters False with a dead letter in this window"),
    fromSpec: z
      .array(z.enum(FLOW_THRESHOLD_NAMES))
      .describe(
        "The thresholds the job's spec (`flow`) sets; the others are the API's SLUICE_FLOW_* defaults",
      ),
  })
  .meta({ id: "FlowThresholds" });
