import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { heartbeatEntries, renderFlinkConfig, restartEntries } from "./flink.ts";
import { repoRoot, stackSettings } from "./settings.ts";
import { versions } from "./versions.ts";

// docker-compose.yml and the native launcher must run the same stack.
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(join(repoRoot, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const dockerfile = readFileSync(join(repoRoot, "infra", "flink", "Dockerfile"), "utf8");
const dockerignore = readFileSync(join(repoRoot, "infra", "flink", "Dockerfile.dockerignore"), "utf8");

/** `key: value` lines (FLINK_PROPERTIES or the launcher's config.yaml) as a map. */
function flinkProperties(text: string): Map<string, string> {
  const entries = text
    .split("\n")
    .filter((l) => /^[a-z][\w.-]*:\s/.test(l))
    .map((l) => {
      const i = l.indexOf(":");
      return [
        l.slice(0, i),
        l
          .slice(i + 1)
          .trim()
          .replace(/^"(.*)"$/, "$1"),
      ] as [string, string];
    });
  return new Map(entries);
}

describe("docker-compose.yml", () => {
  it("runs the launcher's PostgreSQL major version with its migrations, and the JDBC jars in the Flink image", () => {
    expect(versions.postgresImage).toBe(`postgres:${versions.postgresMajor}`);
    expect(compose.services.postgres?.image).toBe(versions.postgresImage);
    for (const jar of [
      `flink-connector-jdbc-core-${versions.flinkJdbcConnector}.jar`,
      `flink-connector-jdbc-postgres-${versions.flinkJdbcConnector}.jar`,
      `postgresql-${versions.postgresJdbc}.jar`,
    ]) {
      expect(dockerfile).toContain(`/opt/flink/lib/${jar}`);
    }
  });

  it("runs the launcher's Kafka version", () => {
    expect(compose.services.kafka?.image).toBe(versions.kafkaImage);
    expect(versions.kafkaImage).toBe(`apache/kafka:${versions.kafka}`);
  });

  it("builds every Flink service from infra/flink with a tag naming Flink and connector versions", () => {
    for (const name of ["jobmanager", "taskmanager", "sql-gateway"]) {
      const service = compose.services[name];
      expect(service?.build?.context, name).toBe(".");
      expect(service?.build?.dockerfile, name).toBe("infra/flink/Dockerfile");
      expect(service?.image, name).toBe(
        `sluice/flink:${versions.flink}-kafka-${versions.flinkKafkaConnector}`,
      );
    }
  });

  it("uses a Dockerfile based on the launcher's Flink image with the launcher's connector", () => {
    expect(versions.flinkImage).toBe(`flink:${versions.flink}-java17`);
    // The last stage is the image; the first builds the functions jar.
    const from = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].at(-1)?.[1];
    expect(from).toBe(versions.flinkImage);
    const jars = [
      ...dockerfile.matchAll(/flink-sql-connector-kafka\/([^/]+)\/flink-sql-connector-kafka-([^/\s]+)\.jar/g),
    ];
    expect(jars).toHaveLength(1);
    expect(jars[0]?.[1]).toBe(versions.flinkKafkaConnector);
    expect(jars[0]?.[2]).toBe(versions.flinkKafkaConnector);
    expect(dockerfile).toMatch(/--checksum=sha256:[0-9a-f]{64}/);
  });

  it("builds the functions jar into the image at the path the API resolves jobs' jar placeholder to", () => {
    const jarPath = compose.services.api?.environment?.SLUICE_SECRET_FUNCTIONS_JAR;
    expect(jarPath).toBe("/opt/sluice/sluice-flink-functions.jar");
    expect(dockerfile).toMatch(/^FROM maven:\S+-eclipse-temurin-17 AS functions$/m);
    expect(dockerfile).toContain(
      `COPY --from=functions --chmod=644 /build/target/sluice-flink-functions.jar ${jarPath}`,
    );
    // The build context is the repository root: only the module's sources go in.
    expect(dockerignore.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual([
      "*",
      "!flink-jobs/functions/pom.xml",
      "!flink-jobs/functions/src/main",
    ]);
  });

  it("lets the taskmanager service scale (docker compose up --scale taskmanager=2)", () => {
    const tm = compose.services.taskmanager as Record<string, unknown> | undefined;
    expect(tm).toBeDefined();
    expect(tm?.container_name).toBeUndefined();
    expect(tm?.ports).toBeUndefined();
    const props = flinkProperties(compose.services.jobmanager?.environment?.FLINK_PROPERTIES ?? "");
    expect(props.get("env.java.opts.all")).toContain("-XX:+ExitOnOutOfMemoryError");
  });

  it("configures checkpoints, state and restarts like the native launcher", () => {
    const inCompose = flinkProperties(compose.services.jobmanager?.environment?.FLINK_PROPERTIES ?? "");
    const native = flinkProperties(renderFlinkConfig(stackSettings({})));
    for (const key of [
      "parallelism.default",
      "taskmanager.numberOfTaskSlots",
      "execution.target",
      "execution.checkpointing.interval",
      "execution.checkpointing.externalized-checkpoint-retention",
      "state.backend.type",
      ...restartEntries.map(([key]) => key),
      ...heartbeatEntries.map(([key]) => key),
      "taskmanager.load-balance.mode",
      "rest.flamegraph.enabled",
      "sql-gateway.endpoint.rest.port",
    ]) {
      expect(inCompose.get(key), key).toBe(native.get(key));
    }
    expect(inCompose.get("execution.checkpointing.dir")).toMatch(/^file:\/\//);
    expect(inCompose.get("execution.checkpointing.savepoint-dir")).toMatch(/^file:\/\//);
  });

  it("points the API at Flink's retained checkpoints: the same volume at the same path", () => {
    const dir = flinkProperties(compose.services.jobmanager?.environment?.FLINK_PROPERTIES ?? "").get(
      "execution.checkpointing.dir",
    );
    expect(compose.services.api?.environment?.SLUICE_CHECKPOINT_DIR).toBe(dir);
    const path = new URL(dir ?? "file:///missing").pathname;
    const mounted = (service: string) =>
      compose.services[service]?.volumes?.find((v) => v.split(":")[1] === path)?.split(":")[0];
    expect(mounted("jobmanager")).toBeDefined();
    for (const service of ["taskmanager", "api"])
      expect(mounted(service), service).toBe(mounted("jobmanager"));
  });
});
