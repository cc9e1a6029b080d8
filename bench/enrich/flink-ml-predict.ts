import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { FlinkClient, flinkClientOptionsFromEnv } from "@sluice/flink-client";
import type { Review } from "./reviews.ts";

/**
 * Flink's own answer to "call a model per row": `ML_PREDICT` over a `CREATE MODEL` with the
 * `openai` provider (module `flink-model-openai`, Flink 2.1+). It sends one Chat Completions
 * request per row: the row's text as the user message, `system-prompt` as the system message,
 * and emits the reply's content as a STRING column. No batching, no cache.
 *
 * The provider is not in Flink's distribution: the jar (a 30 MB fat jar with the OpenAI Java
 * client shaded in) must be on the classpath. This bench adds it per session with `ADD JAR`,
 * which ships it with the job; a cluster can instead put it in `lib/`.
 */
export const FLINK_MODEL_OPENAI_JAR = join(
  homedir(),
  ".m2/repository/org/apache/flink/flink-model-openai/2.2.0/flink-model-openai-2.2.0.jar",
);

export interface MlPredictRun {
  /** Seconds from the job's start to its end, as Flink reports them. */
  jobSeconds: number;
  /** Seconds from submission to FINISHED, as this bench saw them. */
  wallSeconds: number;
  jobId: string;
}

/** Standard SQL string literal. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Run ML_PREDICT over `reviews` against the model server at `baseUrl` (which ends in /v1)
 * and wait until the bounded job finishes. Cancels the job if anything goes wrong.
 */
export async function runMlPredict(options: {
  reviews: readonly Review[];
  baseUrl: string;
  apiKey: string;
  model: string;
  systemPrompt: string;
  maxConcurrentOperations: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<MlPredictRun> {
  if (!existsSync(FLINK_MODEL_OPENAI_JAR)) {
    throw new Error(
      `${FLINK_MODEL_OPENAI_JAR} is missing; fetch it with: ` +
        "mvn dependency:get -Dartifact=org.apache.flink:flink-model-openai:2.2.0 -Dtransitive=false",
    );
  }
  const suffix = randomBytes(4).toString("hex");
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-ml-predict-"));
  const input = join(dir, "reviews.jsonl");
  await writeFile(
    input,
    options.reviews.map((r) => JSON.stringify({ id: r.id, review_text: r.text })).join("\n"),
  );

  const flink = new FlinkClient(flinkClientOptionsFromEnv());
  let jobId: string | undefined;
  try {
    const statements = [
      `ADD JAR ${literal(FLINK_MODEL_OPENAI_JAR)}`,
      `CREATE TEMPORARY TABLE reviews_${suffix} (id STRING, review_text STRING) WITH (
        'connector' = 'filesystem', 'path' = ${literal(`file://${input}`)}, 'format' = 'json')`,
      `CREATE TEMPORARY MODEL themes_${suffix}
        INPUT (\`input\` STRING) OUTPUT (\`content\` STRING) WITH (
        'provider' = 'openai',
        'endpoint' = ${literal(`${options.baseUrl}/chat/completions`)},
        'api-key' = ${literal(options.apiKey)},
        'model' = ${literal(options.model)},
        'system-prompt' = ${literal(options.systemPrompt)})`,
      `CREATE TEMPORARY TABLE themes_sink_${suffix} (id STRING, content STRING) WITH ('connector' = 'blackhole')`,
      `INSERT INTO themes_sink_${suffix}
        SELECT id, content FROM ML_PREDICT(TABLE reviews_${suffix}, MODEL themes_${suffix}, DESCRIPTOR(review_text),
          MAP['async', 'true', 'max-concurrent-operations', '${options.maxConcurrentOperations}'])`,
    ];
    const submitted = Date.now();
    ({ jobId } = await flink.gateway.executeStatementSet(statements, {
      sets: { "pipeline.name": `bench-enrich-ml-predict-${suffix}`, "parallelism.default": "1" },
    }));
    options.log(`(b) Flink job ${jobId} submitted`);
    const job = await flink.rest.waitForJobState(jobId, ["FINISHED"], {
      timeoutMs: options.timeoutMs,
      pollIntervalMs: 1000,
    });
    const wallSeconds = (Date.now() - submitted) / 1000;
    const jobSeconds = (job.duration ?? job["end-time"] - job["start-time"]) / 1000;
    jobId = undefined; // finished: nothing to cancel
    return { jobSeconds, wallSeconds, jobId: job.jid ?? "" };
  } finally {
    if (jobId) await flink.rest.cancel(jobId).catch(() => {});
    await flink.close();
    await rm(dir, { recursive: true, force: true });
  }
}
