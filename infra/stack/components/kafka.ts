import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureJars, kafkaJars } from "../artifacts.ts";
import { type ComponentKind, type Log, processComponent, StackError } from "../component.ts";
import { checkJava } from "../java.ts";
import {
  kafkaDirs,
  kafkaFormatArgs,
  kafkaLog4jProperties,
  kafkaServerArgs,
  renderServerProperties,
} from "../kafka.ts";
import { runToCompletion, tail } from "../processes.ts";
import { kafkaReady } from "../readiness.ts";
import { endpointsOf, type StackSettings } from "../settings.ts";

/** A single-node Kafka (KRaft: broker and controller in one JVM). */
export const kafka: ComponentKind = (settings) => [
  processComponent(settings, {
    name: "kafka",
    ports: [
      ["Kafka broker", settings.ports.kafka],
      ["Kafka controller", settings.ports.kafkaController],
    ],
    ready: () => kafkaReady(endpointsOf(settings).kafkaBrokers),
    async launch(tmpDir, identity, log) {
      checkJava(settings.java);
      const jars = await ensureJars(kafkaJars, settings, log);
      const dirs = kafkaDirs(settings);
      for (const dir of [dirs.conf, dirs.data, dirs.logs]) await mkdir(dir, { recursive: true });
      await writeFile(join(dirs.conf, "server.properties"), renderServerProperties(settings));
      await writeFile(join(dirs.conf, "log4j2.properties"), kafkaLog4jProperties);
      await formatKafkaOnce(settings, jars, log);
      return { command: settings.java, args: kafkaServerArgs(settings, jars, tmpDir, identity) };
    },
  }),
];

/** Formats Kafka's log directory with a fresh cluster id the first time (KRaft needs it). */
async function formatKafkaOnce(settings: StackSettings, kafkaLib: string, log: Log): Promise<void> {
  const dirs = kafkaDirs(settings);
  if (existsSync(join(dirs.data, "meta.properties"))) return;
  const idFile = join(settings.stateDir, "kafka", "cluster-id");
  if (!existsSync(idFile)) await writeFile(idFile, randomBytes(16).toString("base64url"));
  const clusterId = (await readFile(idFile, "utf8")).trim();
  log(`formatting Kafka storage (cluster id ${clusterId})`);
  const tmpDir = join(settings.stateDir, "tmp", "kafka-format");
  await mkdir(tmpDir, { recursive: true });
  const out = join(dirs.logs, "kafka-format.out");
  const code = await runToCompletion(
    settings.java,
    kafkaFormatArgs(settings, kafkaLib, tmpDir, clusterId),
    out,
  );
  if (code !== 0) throw new StackError(`formatting Kafka storage failed (exit ${code}):\n${await tail(out)}`);
}
