/**
 * Native Flink + Kafka stack for development and tests, run as plain Java
 * processes from Maven Central artifacts (no Docker needed).
 *
 *   node infra/stack/cli.ts up              start what is not running, wait until ready
 *   node infra/stack/cli.ts down            stop everything (SIGTERM, then SIGKILL)
 *   node infra/stack/cli.ts status          each component: up/down, pid, ports (TaskManagers: registered, slots)
 *   node infra/stack/cli.ts logs [name] [-n 100]   tail a component's log
 *
 * Environment: SLUICE_STACK_DIR, SLUICE_CACHE_DIR, SLUICE_FLINK_REST_PORT,
 * SLUICE_FLINK_RPC_PORT, SLUICE_SQL_GATEWAY_PORT, SLUICE_KAFKA_PORT,
 * SLUICE_KAFKA_CONTROLLER_PORT, SLUICE_TASKMANAGERS, SLUICE_TM_MEMORY, SLUICE_TM_SLOTS, JAVA_HOME.
 */

import { StackError } from "./component.ts";
import { tail } from "./processes.ts";
import { stackSettings } from "./settings.ts";
import { stackComponents, stackDown, stackStatus, stackUp } from "./stack.ts";

// kafkajs 2.2.4 (the readiness probe) schedules a negative timeout on Node 24;
// Node's TimeoutNegativeWarning about it is noise for the user of this CLI.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name !== "TimeoutNegativeWarning") console.error(`${warning.name}: ${warning.message}`);
});

const began = Date.now();
const log = (line: string) => {
  const t = ((Date.now() - began) / 1000).toFixed(1).padStart(6);
  console.log(`[stack ${t}s] ${line}`);
};

async function main(argv: string[]): Promise<number> {
  const [command = "status", ...rest] = argv;
  const settings = stackSettings();
  switch (command) {
    case "up": {
      await stackUp(settings, log);
      return 0;
    }
    case "down": {
      await stackDown(settings, log);
      log(`stack in ${settings.stateDir} is down`);
      return 0;
    }
    case "status": {
      const statuses = await stackStatus(settings);
      console.log(`stack state dir: ${settings.stateDir}`);
      for (const s of statuses) {
        const state =
          s.pid !== undefined ? (s.ready ? "up" : "starting/unhealthy") : s.ready ? "up (not ours)" : "down";
        const facts = [
          ...s.ports.map(([what, port]) => `${what} ${port}`),
          ...(s.details ? [s.details] : []),
        ];
        console.log(
          `  ${s.name.padEnd(14)} ${state.padEnd(20)} pid ${String(s.pid ?? "-").padEnd(8)} ${facts.join(", ")}`,
        );
      }
      return statuses.every((s) => s.pid !== undefined && s.ready) ? 0 : 3;
    }
    case "logs": {
      const lines = rest.includes("-n") ? Number(rest[rest.indexOf("-n") + 1]) : 40;
      const names = rest.filter((a, i) => a !== "-n" && rest[i - 1] !== "-n");
      const all = stackComponents(settings);
      for (const name of names) {
        if (!all.some((c) => c.name === name)) {
          console.error(`unknown component "${name}"; one of: ${all.map((c) => c.name).join(", ")}`);
          return 2;
        }
      }
      for (const c of all.filter((c) => names.length === 0 || names.includes(c.name))) {
        console.log(`==> ${c.logFile} <==`);
        console.log(await tail(c.logFile, lines));
      }
      return 0;
    }
    default:
      console.error(`unknown command "${command}"; use up, down, status or logs [component] [-n lines]`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError || err instanceof Error) console.error(`stack: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
