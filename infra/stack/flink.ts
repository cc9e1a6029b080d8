import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { rollingFileLog4j } from "./log4j.ts";
import type { StackSettings } from "./settings.ts";

/**
 * JVM flags Flink's distribution sets in `env.java.opts.all` for Java 17
 * (its `config.yaml`); without them Kryo, Pekko and the planner's Janino
 * fail with InaccessibleObjectException.
 */
export const flinkJava17Opens = [
  "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
  "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
  "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
  "--add-opens=java.base/java.lang=ALL-UNNAMED",
  "--add-opens=java.base/java.net=ALL-UNNAMED",
  "--add-opens=java.base/java.io=ALL-UNNAMED",
  "--add-opens=java.base/java.nio=ALL-UNNAMED",
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
  "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
  "--add-opens=java.base/java.text=ALL-UNNAMED",
  "--add-opens=java.base/java.time=ALL-UNNAMED",
  "--add-opens=java.base/java.util=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
];

/** Sizes in MiB of every TaskManager memory component (what Flink's shell scripts would compute). */
export interface TaskManagerMemory {
  frameworkHeap: number;
  taskHeap: number;
  frameworkOffHeap: number;
  taskOffHeap: number;
  network: number;
  managed: number;
  metaspace: number;
  overhead: number;
}

const standardTaskManager = {
  frameworkHeap: 128,
  frameworkOffHeap: 128,
  taskOffHeap: 0,
  network: 128,
  // Small: the stack uses the hashmap state backend; managed memory only serves
  // RocksDB and batch operators.
  managed: 128,
  metaspace: 384,
  overhead: 192,
};

/** Below `smallTaskManagerBelowMb` (several TaskManagers on a laptop, tests): fewer network buffers, less metaspace. */
const smallTaskManager = { ...standardTaskManager, network: 64, managed: 64, metaspace: 256, overhead: 128 };
const smallTaskManagerBelowMb = 1536;

/** Everything but the task heap is fixed; the task heap takes the rest of the process size. */
export function taskManagerMemory(processMb: number): TaskManagerMemory {
  const fixed = processMb < smallTaskManagerBelowMb ? smallTaskManager : standardTaskManager;
  const taskHeap = processMb - Object.values(fixed).reduce((a, b) => a + b, 0);
  if (taskHeap < 256) {
    throw new Error(`SLUICE_TM_MEMORY=${processMb}m is too small for a TaskManager; use at least 1024m`);
  }
  return { ...fixed, taskHeap };
}

/** JobManager memory in MiB. The JVM direct-memory limit is off by default for the JobManager. */
export const jobManagerMemory = { heap: 640, offHeap: 128, metaspace: 256, overhead: 192 };

/** SQL Gateway heap: it plans statements (the planner is heavy) but runs no tasks. */
export const sqlGatewayHeapMb = 1024;

export interface FlinkDirs {
  conf: string;
  logs: string;
  checkpoints: string;
  savepoints: string;
}

export function flinkDirs(settings: StackSettings): FlinkDirs {
  const flink = join(settings.stateDir, "flink");
  return {
    conf: join(flink, "conf"),
    logs: join(settings.stateDir, "logs"),
    checkpoints: join(flink, "checkpoints"),
    savepoints: join(flink, "savepoints"),
  };
}

const mb = (n: number) => `${n}m`;

/**
 * Heartbeats between JobManager and TaskManagers: a SIGKILLed TaskManager is
 * noticed after `rpc-failure-threshold` failed heartbeat RPCs (connection
 * refused, about 2 s) and a hung one after the timeout, instead of Flink's
 * 10 s / 50 s defaults. The same in docker-compose.yml.
 */
export const heartbeatEntries: [string, string | number][] = [
  ["heartbeat.interval", "1s"],
  ["heartbeat.timeout", "10s"],
  ["heartbeat.rpc-failure-threshold", 2],
];

/**
 * Flink's own restarts. A lost TaskManager makes every restart fail at once
 * ("no resources") until one comes back, so the backoff grows 1, 2, 4, 8, 10,
 * 10, 10, 10 s: about 55 s of outage ride through (a TaskManager restarted by
 * `stack:up` takes 10-30 s) before the job goes FAILED; a broken job fails
 * after those 8 attempts instead of restarting forever, and 60 s of running
 * without failure gives the budget back (fixed-delay never did). Jobs may
 * override these keys. The same in docker-compose.yml.
 */
export const restartEntries: [string, string | number][] = [
  ["restart-strategy.type", "exponential-delay"],
  ["restart-strategy.exponential-delay.initial-backoff", "1s"],
  ["restart-strategy.exponential-delay.max-backoff", "10s"],
  ["restart-strategy.exponential-delay.backoff-multiplier", 2],
  ["restart-strategy.exponential-delay.jitter-factor", 0.1],
  ["restart-strategy.exponential-delay.reset-backoff-threshold", "60s"],
  ["restart-strategy.exponential-delay.attempts-before-reset-backoff", 8],
];

/** The `<process>.memory.*` keys each memory component is written to (a `.min`/`.max` pair pins a range). */
const jobManagerMemoryKeys: Record<keyof typeof jobManagerMemory, string[]> = {
  heap: ["heap.size"],
  offHeap: ["off-heap.size"],
  metaspace: ["jvm-metaspace.size"],
  overhead: ["jvm-overhead.min", "jvm-overhead.max"],
};

const taskManagerMemoryKeys: Record<keyof TaskManagerMemory, string[]> = {
  frameworkHeap: ["framework.heap.size"],
  taskHeap: ["task.heap.size"],
  frameworkOffHeap: ["framework.off-heap.size"],
  taskOffHeap: ["task.off-heap.size"],
  network: ["network.min", "network.max"],
  managed: ["managed.size"],
  metaspace: ["jvm-metaspace.size"],
  overhead: ["jvm-overhead.min", "jvm-overhead.max"],
};

/** The config entries of one process's memory components, in MiB. */
function memoryEntries<M extends { [K in keyof M]: number }>(
  process: "jobmanager" | "taskmanager",
  memory: M,
  keys: Record<keyof M, string[]>,
): [string, string][] {
  return (Object.entries(keys) as [keyof M, string[]][]).flatMap(([component, names]) =>
    names.map((name): [string, string] => [`${process}.memory.${name}`, mb(memory[component])]),
  );
}

/**
 * The Flink `config.yaml` (Flink 2.x reads only this file name) shared by the
 * JobManager, TaskManager and SQL Gateway. Flattened keys are valid Flink 2 YAML.
 */
export function renderFlinkConfig(settings: StackSettings): string {
  const { host, ports } = settings;
  const dirs = flinkDirs(settings);
  const entries: [string, string | number | boolean][] = [
    ["jobmanager.rpc.address", host],
    ["jobmanager.rpc.port", ports.flinkRpc],
    ["jobmanager.bind-host", host],
    ...memoryEntries("jobmanager", jobManagerMemory, jobManagerMemoryKeys),
    ["jobmanager.execution.failover-strategy", "region"],
    ["taskmanager.host", host],
    ["taskmanager.bind-host", host],
    ["taskmanager.numberOfTaskSlots", settings.taskManagerSlots],
    // With several TaskManagers, a job's slots spread over them (Flink's default, NONE, packs a
    // job onto as few TaskManagers as it can): a parallel job uses every TaskManager's CPU and
    // memory. No effect with one TaskManager.
    ["taskmanager.load-balance.mode", "SLOTS"],
    // Flink's scripts pass these resource options as dynamic properties; a
    // TaskManagerRunner started directly must find them all in the config.
    ["taskmanager.cpu.cores", settings.taskManagerSlots],
    ...memoryEntries("taskmanager", taskManagerMemory(settings.taskManagerMemoryMb), taskManagerMemoryKeys),
    // The TaskManager usually starts before the JobManager listens; retry the
    // ResourceManager connection after 1 s instead of the default 10 s.
    ["cluster.registration.error-delay", "1s"],
    ...heartbeatEntries,
    ["rest.address", host],
    ["rest.bind-address", host],
    ["rest.port", ports.flinkRest],
    ["rest.flamegraph.enabled", false],
    ["web.cancel.enable", true],
    ["parallelism.default", 1],
    // The SQL Gateway submits to this session cluster through its REST endpoint.
    ["execution.target", "remote"],
    ["execution.checkpointing.interval", "5s"],
    ["execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION"],
    ["execution.checkpointing.dir", pathToFileURL(dirs.checkpoints).href],
    ["execution.checkpointing.savepoint-dir", pathToFileURL(dirs.savepoints).href],
    ["state.backend.type", "hashmap"],
    ...restartEntries,
    ["sql-gateway.endpoint.rest.address", host],
    ["sql-gateway.endpoint.rest.bind-address", host],
    ["sql-gateway.endpoint.rest.port", ports.sqlGateway],
  ];
  const lines = entries.map(([k, v]) => `${k}: ${typeof v === "string" ? JSON.stringify(v) : v}`);
  return `# Generated by infra/stack (node infra/stack/cli.ts up); edits are overwritten.\n${lines.join("\n")}\n`;
}

/** Log4j 2 configuration shared by the Flink JVMs; each passes its own `-Dlog.file`. */
export const log4jProperties = rollingFileLog4j({
  monitorInterval: 30,
  loggers: [
    { key: "pekko", name: "org.apache.pekko", level: "INFO" },
    { key: "kafka", name: "org.apache.kafka", level: "WARN" },
    { key: "zookeeper", name: "org.apache.zookeeper", level: "WARN" },
  ],
  pattern: "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
});

export type FlinkProcess = "jobmanager" | "taskmanager" | "sql-gateway";

const mainClass: Record<FlinkProcess, string> = {
  jobmanager: "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
  taskmanager: "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
  "sql-gateway": "org.apache.flink.table.gateway.SqlGateway",
};

/** Heap, direct-memory and metaspace limits matching the memory the Flink config declares. */
export function flinkMemoryArgs(process: FlinkProcess, settings: StackSettings): string[] {
  switch (process) {
    case "jobmanager": {
      const jm = jobManagerMemory;
      return [`-Xmx${jm.heap}m`, `-Xms${jm.heap}m`, `-XX:MaxMetaspaceSize=${jm.metaspace}m`];
    }
    case "taskmanager": {
      const tm = taskManagerMemory(settings.taskManagerMemoryMb);
      const heap = tm.frameworkHeap + tm.taskHeap;
      const direct = tm.frameworkOffHeap + tm.taskOffHeap + tm.network;
      return [
        `-Xmx${heap}m`,
        `-Xms${heap}m`,
        `-XX:MaxDirectMemorySize=${direct}m`,
        `-XX:MaxMetaspaceSize=${tm.metaspace}m`,
      ];
    }
    case "sql-gateway":
      return [`-Xmx${sqlGatewayHeapMb}m`, "-Xms128m", "-XX:MaxMetaspaceSize=512m"];
    default: {
      const unknown: never = process;
      throw new Error(`unknown Flink process ${unknown}`);
    }
  }
}

/**
 * The `java` argument list of one Flink JVM.
 * `identity` are `-D` flags that let the launcher recognise its own processes.
 */
export function flinkJavaArgs(
  process: FlinkProcess,
  settings: StackSettings,
  jarDir: string,
  tmpDir: string,
  identity: string[],
  /** Names its log file (`<logName>.log`); one per TaskManager. */
  logName: string = process,
  extraJars: string[] = [],
): string[] {
  const dirs = flinkDirs(settings);
  const args = [
    ...flinkMemoryArgs(process, settings),
    // A JVM out of heap must die (and be restarted by `stack:up`) instead of hanging alive.
    "-XX:+ExitOnOutOfMemoryError",
    // On a busy machine Pekko's remoting took over its 10 s start-up timeout and the
    // JVM exited. Flink's `pekko.startup-timeout` lands on a key Pekko's classic
    // remoting no longer reads, so the system property (Pekko's fallback) sets it.
    "-Dpekko.remote.classic.startup-timeout=60s",
    ...flinkJava17Opens,
    ...identity,
    `-Djava.io.tmpdir=${tmpDir}`,
    `-Dlog.file=${join(dirs.logs, `${logName}.log`)}`,
    `-Dlog4j.configurationFile=${pathToFileURL(join(dirs.conf, "log4j.properties")).href}`,
    "-classpath",
    [`${jarDir}/*`, ...extraJars].join(delimiter),
    mainClass[process],
  ];
  // The SQL Gateway reads its configuration only from $FLINK_CONF_DIR (set by the launcher).
  if (process !== "sql-gateway") args.push("--configDir", dirs.conf);
  return args;
}
