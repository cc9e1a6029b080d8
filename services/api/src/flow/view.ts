import type { z } from "zod";
import type { Condition } from "./conditions.ts";
import type { JobFlow } from "./monitor.ts";
import type { conditionSchema, flowSchema, flowThresholdsSchema } from "./schemas.ts";
import type { JobThresholds } from "./thresholds.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The conditions as the API shows them. */
export function conditionsView(conditions: readonly Condition[]): Array<z.output<typeof conditionSchema>> {
  return conditions.map((c) => ({ ...c, since: iso(c.since) }));
}

/** The `flow` section of a job, or null when no fresh snapshot exists. */
export function flowView(flow: JobFlow | undefined, now: number): z.output<typeof flowSchema> | null {
  const s = flow?.snapshot;
  if (!s) return null;
  return {
    flinkJobId: s.flinkJobId,
    readAt: iso(s.readAt),
    ageMs: Math.max(0, now - s.readAt),
    sources: s.sources,
    sinks: s.sinks.map((k) => ({ ...k, lastWriteAt: k.lastWriteAt === null ? null : iso(k.lastWriteAt) })),
    checkpoint: s.checkpoint
      ? {
          ...s.checkpoint,
          completedAt: iso(s.checkpoint.completedAt),
          ageMs: Math.max(0, now - s.checkpoint.completedAt),
        }
      : null,
    checkpointFailures: s.checkpointFailures,
    restarts: s.restarts,
    busiest: s.busiest,
  };
}

/** The thresholds a job is judged by, and which its spec set. */
export function thresholdsView({
  thresholds,
  fromSpec,
}: JobThresholds): z.output<typeof flowThresholdsSchema> {
  return {
    noOutputMs: thresholds.noOutputMs,
    maxLagRecords: thresholds.maxLagRecords,
    checkpointMaxAgeMs: thresholds.checkpointMaxAgeMs,
    deadLetterWindowMs: thresholds.deadLetterWindowMs,
    fromSpec,
  };
}
