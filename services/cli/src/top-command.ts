import { allJobs, type Job, type SluiceClient, unwrap } from "@sluice/api-client";
import type { Command, GlobalOptions } from "./args.ts";
import type { CliIo } from "./commands.ts";
import { formatTop, topRows } from "./top.ts";

/** ANSI: cursor home, clear screen. */
const CLEAR = "\x1b[H\x1b[2J";

/**
 * `sluice top`: the job list plus the detail of each running job (the API serves their flow from
 * what it last read; no call reaches Flink), drawn every `--interval` seconds until Ctrl-C, or
 * once with `--once` / `--json`.
 */
export async function top(
  command: Extract<Command, { kind: "top" }>,
  ctx: { api: SluiceClient; io: CliIo; options: GlobalOptions },
): Promise<void> {
  const sleep = ctx.io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const list = await allJobs(ctx.api);
    const details = new Map<string, Job>();
    for (const job of list.jobs.filter((j) => j.flinkState === "RUNNING")) {
      details.set(
        job.name,
        await unwrap(ctx.api.GET("/v1/jobs/{name}", { params: { path: { name: job.name } } })),
      );
    }
    const rows = topRows(list, details);
    if (ctx.options.json) {
      ctx.io.stdout(`${JSON.stringify({ at: new Date().toISOString(), jobs: rows }, null, 2)}\n`);
      return;
    }
    const every = command.once ? "" : `  (every ${command.intervalMs / 1000} s, Ctrl-C to quit)`;
    const screen = formatTop(rows, `sluice top  ${new Date().toISOString()}${every}`);
    ctx.io.stdout(command.once ? screen : `${CLEAR}${screen}`);
    if (command.once) return;
    await sleep(command.intervalMs);
  }
}
