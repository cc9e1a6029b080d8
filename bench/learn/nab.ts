/**
 * The sensor detectors on the NAB ambient-temperature series (data/nab, 7 267 hourly readings,
 * two labelled anomaly windows), on the REAL stack: the flagship jobs `sensor-zscore` (rolling
 * z-score, Flink SQL) and `sensor-detectors` (EWMA, robust median/MAD and AR forecaster, Sluice's
 * JVM functions), each fed the series through Kafka. Prints, per detector, the labelled windows
 * with at least one flag and the flags inside and outside the windows (NAB-style counting).
 *
 * Run (with the stack up): node bench/learn/nab.ts [--ewma '{"threshold":3}'] [--robust ...] [--forecaster ...]
 * (hyper-parameters as JSON, merged over the job's defaults)
 */
import { parseArgs } from "node:util";
import { loadNabLabels, nabSensorReadings, sensorRecord } from "@sluice/datasets";
import { compileJob, type JobSpec } from "@sluice/flink-jobs";
import { DETECTOR_PARAMS, sensorDetectors, sensorZscore } from "@sluice/flink-jobs/jobs";
import {
  consumeAll,
  createTopics,
  deleteTopics,
  produceRaw,
  sqlTimestamp,
  stackEndpoints,
  stackFlinkClient,
  stopJob,
  uniqueName,
  withFunctionsJar,
} from "@sluice/testkit";

const { values } = parseArgs({
  options: { ewma: { type: "string" }, robust: { type: "string" }, forecaster: { type: "string" } },
});
const params = {
  ewma: { ...DETECTOR_PARAMS.ewma, ...JSON.parse(values.ewma ?? "{}") },
  robust: { ...DETECTOR_PARAMS.robust, ...JSON.parse(values.robust ?? "{}") },
  forecaster: { ...DETECTOR_PARAMS.forecaster, ...JSON.parse(values.forecaster ?? "{}") },
};
const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const flink = stackFlinkClient();
const readings = nabSensorReadings();
const windows = loadNabLabels();
const input = uniqueName("bench_nab_readings");
const outputs = { zscore: uniqueName("bench_nab_zscores"), detectors: uniqueName("bench_nab_detections") };

/** Labelled windows with at least one flag; flags inside and outside every window. */
function score(flagged: string[]) {
  const inside = (ts: string, [start, end]: [string, string]) => ts >= start && ts <= end;
  return {
    windowsFound: windows.filter((w) => flagged.some((ts) => inside(ts, w))).length,
    inside: flagged.filter((ts) => windows.some((w) => inside(ts, w))).length,
    outside: flagged.filter((ts) => !windows.some((w) => inside(ts, w))).length,
  };
}

async function run(spec: JobSpec, topic: string) {
  const { jobId } = await flink.gateway.executeStatementSet(withFunctionsJar(compileJob(spec)), {
    sets: { "pipeline.name": uniqueName(`bench-nab-${spec.name}`) },
  });
  await flink.rest.waitForJobRunning(jobId, { timeoutMs: 120_000 });
  try {
    // Flags arrive as the watermark passes; the flush reading below moves it past the series.
    return await consumeAll(topic, { idleMs: 15_000, timeoutMs: 300_000 });
  } finally {
    await stopJob(flink, jobId);
  }
}

await createTopics([input, outputs.zscore, outputs.detectors]);
try {
  // A reading of another device far in the future moves the watermark past the whole series.
  // Replayed as producers write readings: the time in epoch milliseconds.
  const flush = { device_id: "flush", timestamp: "2014-07-01 00:00:00", temperature: 70 };
  await produceRaw(
    input,
    [...readings, flush].map((r) => ({ key: r.device_id, value: JSON.stringify(sensorRecord(r)) })),
  );
  const zscores = await run(
    sensorZscore({ bootstrapServers, inputTopic: input, outputTopic: outputs.zscore }),
    outputs.zscore,
  );
  const detections = await run(
    sensorDetectors({ bootstrapServers, inputTopic: input, outputTopic: outputs.detectors, ...params }),
    outputs.detectors,
  );
  // Flags carry ISO-8601 instants; NAB's labels are `yyyy-MM-dd HH:mm:ss` (UTC) text.
  type Flag = { device_id: string; timestamp: string; detector?: string };
  const labelTime = (v: Flag) => sqlTimestamp(Date.parse(v.timestamp));
  const flags = new Map<string, string[]>([["z-score (rolling 20 readings, abs(z) > 3; sensor-zscore)", []]]);
  for (const r of zscores) {
    const v = r.value as Flag;
    if (v.device_id !== "flush")
      flags.get("z-score (rolling 20 readings, abs(z) > 3; sensor-zscore)")?.push(labelTime(v));
  }
  const labels: Record<string, string> = {
    ewma: `EWMA (${JSON.stringify(params.ewma)})`,
    robust: `robust median/MAD (${JSON.stringify(params.robust)})`,
    forecaster: `AR forecaster (${JSON.stringify(params.forecaster)})`,
  };
  for (const name of Object.values(labels)) flags.set(name, []);
  for (const r of detections) {
    const v = r.value as Flag;
    if (v.device_id !== "flush") flags.get(labels[v.detector ?? ""] ?? "?")?.push(labelTime(v));
  }
  console.log(`NAB ambient temperature: ${readings.length} readings, ${windows.length} labelled windows\n`);
  console.log("| Detector | Labelled windows found | Flags in windows | Flags outside windows |");
  console.log("|---|---|---|---|");
  for (const [name, flagged] of flags) {
    const s = score(flagged);
    console.log(`| ${name} | ${s.windowsFound} of ${windows.length} | ${s.inside} | ${s.outside} |`);
  }
} finally {
  await flink.close();
  await deleteTopics([input, outputs.zscore, outputs.detectors]);
}
