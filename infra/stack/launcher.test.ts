import { describe, expect, it } from "vitest";
import { classpathProblems, flinkJars, kafkaJars, renderPom } from "./artifacts.ts";
import { flinkJavaArgs, flinkMemoryArgs, renderFlinkConfig, taskManagerMemory } from "./flink.ts";
import { kafkaFormatArgs, kafkaServerArgs, renderServerProperties } from "./kafka.ts";
import { parseMemoryMb, stackSettings } from "./settings.ts";
import { componentNames } from "./stack.ts";
import { versions } from "./versions.ts";

describe("stack settings", () => {
  it("defaults to the shared ports and reads overrides from the environment", () => {
    const s = stackSettings({});
    expect(s.ports).toEqual({
      flinkRest: 8081,
      flinkRpc: 6123,
      sqlGateway: 8083,
      kafka: 9092,
      kafkaController: 9093,
      postgres: 5432,
    });
    const moved = stackSettings({
      SLUICE_FLINK_REST_PORT: "18081",
      SLUICE_STACK_DIR: "/tmp/other",
      SLUICE_TM_MEMORY: "3g",
    });
    expect(moved.ports.flinkRest).toBe(18081);
    expect(moved.stateDir).toBe("/tmp/other");
    expect(moved.taskManagerMemoryMb).toBe(3072);
  });

  it("rejects bad ports, clashing ports and unreadable memory sizes", () => {
    expect(() => stackSettings({ SLUICE_KAFKA_PORT: "abc" })).toThrow(/SLUICE_KAFKA_PORT/);
    expect(() => stackSettings({ SLUICE_KAFKA_PORT: "8081" })).toThrow(/both 8081/);
    expect(() => parseMemoryMb("lots")).toThrow(/2560m/);
    expect(parseMemoryMb("2560m")).toBe(2560);
  });
});

describe("several TaskManagers", () => {
  it("runs SLUICE_TASKMANAGERS TaskManagers (default 1), each its own component between JobManager and gateway", () => {
    expect(stackSettings({}).taskManagers).toBe(1);
    // PostgreSQL (the last component, when its binaries are installed) has its own test.
    const flinkAndKafka = (names: string[]) => names.filter((n) => n !== "postgres");
    expect(flinkAndKafka(componentNames(stackSettings({})))).toEqual([
      "kafka",
      "jobmanager",
      "taskmanager-1",
      "sql-gateway",
    ]);
    expect(flinkAndKafka(componentNames(stackSettings({ SLUICE_TASKMANAGERS: "3" })))).toEqual([
      "kafka",
      "jobmanager",
      "taskmanager-1",
      "taskmanager-2",
      "taskmanager-3",
      "sql-gateway",
    ]);
    expect(() => stackSettings({ SLUICE_TASKMANAGERS: "0" })).toThrow(/SLUICE_TASKMANAGERS/);
    expect(() => stackSettings({ SLUICE_TASKMANAGERS: "17" })).toThrow(/at most 16/);
  });

  it("gives each TaskManager its own log file", () => {
    const args = flinkJavaArgs("taskmanager", stackSettings({}), "/jars", "/tmp/tm2", [], "taskmanager-2");
    expect(args.find((a) => a.startsWith("-Dlog.file="))).toMatch(/\/taskmanager-2\.log$/);
    expect(args).toContain("-Djava.io.tmpdir=/tmp/tm2");
  });

  it("notices a lost TaskManager within seconds and rides out its restart before failing a job", () => {
    const config = renderFlinkConfig(stackSettings({}));
    expect(config).toContain('heartbeat.interval: "1s"');
    expect(config).toContain('heartbeat.timeout: "10s"');
    expect(config).toContain("heartbeat.rpc-failure-threshold: 2");
    expect(config).toContain('restart-strategy.type: "exponential-delay"');
    expect(config).toContain("restart-strategy.exponential-delay.attempts-before-reset-backoff: 8");
  });
});

describe("TaskManager memory", () => {
  it("adds up to the requested process size and matches the JVM limits", () => {
    const mem = taskManagerMemory(2560);
    expect(Object.values(mem).reduce((a, b) => a + b, 0)).toBe(2560);
    const args = flinkMemoryArgs("taskmanager", stackSettings({ SLUICE_TM_MEMORY: "2560m" }));
    expect(args).toContain(`-Xmx${mem.frameworkHeap + mem.taskHeap}m`);
    expect(args).toContain(
      `-XX:MaxDirectMemorySize=${mem.frameworkOffHeap + mem.taskOffHeap + mem.network}m`,
    );
    expect(args).toContain(`-XX:MaxMetaspaceSize=${mem.metaspace}m`);
  });

  it("refuses a process size too small for a TaskManager", () => {
    expect(() => taskManagerMemory(1000)).toThrow(/too small/);
  });

  it("fits a small TaskManager (1024m, for several on a laptop) with at least 256m of task heap", () => {
    const mem = taskManagerMemory(1024);
    expect(Object.values(mem).reduce((a, b) => a + b, 0)).toBe(1024);
    expect(mem.taskHeap).toBeGreaterThanOrEqual(256);
    expect(taskManagerMemory(2560).metaspace).toBe(384);
  });
});

describe("Flink configuration", () => {
  const settings = stackSettings({ SLUICE_STACK_DIR: "/tmp/sluice state", SLUICE_FLINK_REST_PORT: "18081" });
  const config = renderFlinkConfig(settings);

  it("points every component at the configured ports and state directory", () => {
    expect(config).toContain("rest.port: 18081");
    expect(config).toContain("sql-gateway.endpoint.rest.port: 8083");
    expect(config).toContain('execution.checkpointing.dir: "file:///tmp/sluice%20state/flink/checkpoints"');
    expect(config).toContain("execution.checkpointing.externalized-checkpoint-retention");
  });

  it("gives each JVM its own tmpdir, the Java 17 opens and --configDir (except the gateway)", () => {
    const jm = flinkJavaArgs("jobmanager", settings, "/jars", "/tmp/jm", ["-Dsluice.component=jobmanager"]);
    expect(jm).toContain("-Djava.io.tmpdir=/tmp/jm");
    expect(jm).toContain("--add-opens=java.base/java.util=ALL-UNNAMED");
    expect(jm.slice(-2)).toEqual(["--configDir", "/tmp/sluice state/flink/conf"]);
    const gw = flinkJavaArgs("sql-gateway", settings, "/jars", "/tmp/gw", []);
    expect(gw.at(-1)).toBe("org.apache.flink.table.gateway.SqlGateway");
    expect(gw[gw.indexOf("-classpath") + 1]).toBe("/jars/*");
    const withFormat = flinkJavaArgs("taskmanager", settings, "/jars", "/tmp/tm", [], "taskmanager", [
      "/f/functions.jar",
    ]);
    expect(withFormat[withFormat.indexOf("-classpath") + 1]).toBe("/jars/*:/f/functions.jar");
  });

  it("makes every Flink and Kafka JVM exit on OutOfMemoryError instead of hanging", () => {
    for (const process of ["jobmanager", "taskmanager", "sql-gateway"] as const) {
      expect(flinkJavaArgs(process, settings, "/jars", "/tmp/x", [])).toContain(
        "-XX:+ExitOnOutOfMemoryError",
      );
    }
    expect(kafkaServerArgs(settings, "/jars", "/tmp/k", [])).toContain("-XX:+ExitOnOutOfMemoryError");
    expect(kafkaFormatArgs(settings, "/jars", "/tmp/k", "id")).toContain("-XX:+ExitOnOutOfMemoryError");
  });
});

describe("Kafka configuration", () => {
  it("is a single-node KRaft broker whose transactions work", () => {
    const props = renderServerProperties(
      stackSettings({ SLUICE_KAFKA_PORT: "19092", SLUICE_KAFKA_CONTROLLER_PORT: "19093" }),
    );
    expect(props).toContain("process.roles=broker,controller");
    expect(props).toContain("listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093");
    expect(props).toContain("transaction.state.log.replication.factor=1");
    expect(props).toContain("transaction.state.log.min.isr=1");
  });
});

describe("jar sets", () => {
  it("pin the stack versions and exclude the Scala planner", () => {
    const pom = renderPom(flinkJars);
    expect(pom).toContain(
      `<artifactId>flink-table-planner-loader</artifactId><version>${versions.flink}</version>`,
    );
    expect(pom).toContain(
      `<artifactId>flink-sql-connector-kafka</artifactId><version>${versions.flinkKafkaConnector}</version>`,
    );
    expect(pom).toContain("<artifactId>flink-table-planner_2.12</artifactId>");
    expect(renderPom(kafkaJars)).toContain(
      `<artifactId>kafka_2.13</artifactId><version>${versions.kafka}</version>`,
    );
  });

  it("flag forbidden jars and two versions of one artifact", () => {
    expect(
      classpathProblems(flinkJars, ["flink-core-2.2.0.jar", "flink-table-planner-loader-2.2.0.jar"]),
    ).toEqual([]);
    expect(classpathProblems(flinkJars, ["flink-table-planner_2.12-2.2.0.jar"])).toEqual([
      "forbidden jar on the classpath: flink-table-planner_2.12-2.2.0.jar",
    ]);
    expect(classpathProblems(kafkaJars, ["lz4-java-1.8.0.jar", "lz4-java-1.10.1.jar"])).toEqual([
      "lz4-java appears more than once: lz4-java-1.8.0.jar, lz4-java-1.10.1.jar",
    ]);
  });
});
