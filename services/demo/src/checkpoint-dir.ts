import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const JobManagerConfig = z.array(z.object({ key: z.string(), value: z.string() }));

/**
 * Where the Flink cluster retains its checkpoints (`execution.checkpointing.dir`, read from the
 * JobManager's configuration), for the API's `SLUICE_CHECKPOINT_DIR`: with it the API resumes a
 * job from the newest checkpoint on disk when Flink forgot the job (a JobManager restart without
 * HA) and removes the checkpoints of deleted jobs. Only a `file:` directory this machine sees is
 * returned (the native stack on this host); otherwise, or when Flink does not answer, `undefined`
 * (the API then resumes from what Flink's REST API and its savepoints say).
 *
 * @example
 * await retainedCheckpointDir("http://127.0.0.1:8081") // "file:///home/me/sluice/.sluice/stack/flink/checkpoints"
 */
export async function retainedCheckpointDir(flinkRestUrl: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${flinkRestUrl}/jobmanager/config`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    const entries = JobManagerConfig.parse(await res.json());
    const dir = entries.find((e) => e.key === "execution.checkpointing.dir")?.value;
    return dir?.startsWith("file:") && existsSync(fileURLToPath(normalisedFileUrl(dir))) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** `file:/x` (one slash, as Flink may write it) as `file:///x`. */
function normalisedFileUrl(url: string): string {
  return url.replace(/^file:\/(?!\/)/, "file:///");
}
