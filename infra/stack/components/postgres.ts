import { setTimeout as sleep } from "node:timers/promises";
import type { ComponentKind } from "../component.ts";
import {
  postgresBinDir,
  postgresLogFile,
  postgresPid,
  postgresReady,
  startPostgres,
  stopPostgres,
} from "../postgres.ts";
import { isAlive, tail } from "../processes.ts";

/**
 * The results database as a stack component (see `postgres.ts`). Without
 * PostgreSQL binaries on the machine the stack has no such component.
 */
export const postgres: ComponentKind = (settings) => {
  if (postgresBinDir() === undefined) return [];
  const ports: [string, number][] = [["PostgreSQL", settings.ports.postgres]];
  const logFile = postgresLogFile(settings);
  return [
    {
      name: "postgres",
      ports,
      logFile,
      async start(log) {
        const pid = await startPostgres(settings, log);
        if (pid === undefined) throw new Error("PostgreSQL did not start");
        return pid;
      },
      ready: () => postgresReady(settings),
      running: async () => postgresPid(settings),
      async status() {
        return { name: "postgres", pid: postgresPid(settings), ports, ready: await postgresReady(settings) };
      },
      stop: () => stopPostgres(settings),
      async kill(signal) {
        const pid = postgresPid(settings);
        if (pid === undefined) return undefined;
        process.kill(pid, signal);
        if (signal === "SIGKILL") while (isAlive(pid)) await sleep(50);
        return pid;
      },
      async diagnostics() {
        return [`--- last lines of ${logFile}:`, await tail(logFile, 40)].join("\n");
      },
    },
  ];
};
