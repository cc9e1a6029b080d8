import { existsSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureJars, flinkJars } from "../artifacts.ts";
import type { Component, Log } from "../component.ts";
import { processComponent } from "../component.ts";
import { type FlinkProcess, flinkDirs, flinkJavaArgs, log4jProperties, renderFlinkConfig } from "../flink.ts";
import { functionsJar } from "../functions.ts";
import { checkJava } from "../java.ts";
import type { StackSettings } from "../settings.ts";

/** Writes the Flink configuration all Flink JVMs share (the same content each time). */
async function writeFlinkConfig(settings: StackSettings): Promise<void> {
  const dirs = flinkDirs(settings);
  for (const dir of [dirs.conf, dirs.logs, dirs.checkpoints, dirs.savepoints]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(join(dirs.conf, "config.yaml"), renderFlinkConfig(settings));
  await writeFile(join(dirs.conf, "log4j.properties"), log4jProperties);
}

export interface FlinkComponentSpec {
  /** Component name (also its log file's name). */
  name: string;
  process: FlinkProcess;
  ports: [string, number][];
  ready: () => Promise<boolean>;
  details?: () => Promise<string | undefined>;
  /** Arguments after the main class, computed at each start (e.g. `-D key=value` dynamic properties). */
  programArgs?: () => Promise<string[]>;
}

/** A Flink JVM (JobManager, TaskManager or SQL Gateway) on the jars resolved from Maven Central. */
export function flinkComponent(settings: StackSettings, spec: FlinkComponentSpec): Component {
  return processComponent(settings, {
    name: spec.name,
    ports: spec.ports,
    ready: spec.ready,
    ...(spec.details ? { details: spec.details } : {}),
    async launch(tmpDir: string, identity: string[], log: Log) {
      checkJava(settings.java);
      const jars = await ensureJars(flinkJars, settings, log);
      await writeFlinkConfig(settings);
      const programArgs = (await spec.programArgs?.()) ?? [];
      // Sluice's functions jar is on the class path too: its `sluice-json`/`sluice-csv` formats (dead
      // letters) are found by Flink's factory discovery there; functions are still registered
      // `USING JAR`. Each JVM gets its own copy: a rebuild (`mvn package`) rewrites the jar in place,
      // which would break the class loading of a JVM still reading it.
      const extraJars = await functionsJarCopy(tmpDir);
      return {
        command: settings.java,
        args: [
          ...flinkJavaArgs(spec.process, settings, jars, tmpDir, identity, spec.name, extraJars),
          ...programArgs,
        ],
        env: { ...process.env, FLINK_CONF_DIR: flinkDirs(settings).conf },
      };
    },
  });
}

/** A private copy of the functions jar in the process's own directory, or none when it is not built. */
async function functionsJarCopy(dir: string): Promise<string[]> {
  const jar = functionsJar();
  if (!existsSync(jar)) return [];
  await mkdir(dir, { recursive: true });
  const copy = join(dir, "sluice-flink-functions.jar");
  await copyFile(jar, copy);
  return [copy];
}
