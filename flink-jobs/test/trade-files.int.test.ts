/**
 * The origin's file pipeline on the REAL stack: CSV trade files dropped into a
 * watched folder while the job runs are aggregated per hour; the file sink's part
 * files become visible only when a checkpoint commits them, and the committed rows
 * equal the expected totals exactly; malformed lines land in the dead-letter folder.
 *
 * Run: npx vitest run --project integration flink-jobs/test/trade-files.int.test.ts
 */

import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileJob } from "@sluice/flink-jobs";
import {
  jobTrouble,
  stackFlinkClient,
  stopJob,
  uniqueName,
  waitFor,
  withStackSecrets,
} from "@sluice/testkit";
import { afterAll, expect, it } from "vitest";
import { tradeFiles } from "../jobs/trade-files.ts";

const flink = stackFlinkClient();
const root = join(tmpdir(), uniqueName("sluice_trade_files"));
const dirs = { input: join(root, "in"), output: join(root, "out"), dead: join(root, "dead") };
let jobId: string | undefined;

afterAll(async () => {
  if (jobId !== undefined) await stopJob(flink, jobId);
  await flink.close();
  await rm(root, { recursive: true, force: true });
});

/** Writes a file under a hidden name, then renames it: the source never sees half a file. */
async function drop(name: string, lines: string[]): Promise<void> {
  const hidden = join(dirs.input, `.${name}.tmp`);
  await writeFile(hidden, `${lines.join("\n")}\n`);
  await rename(hidden, join(dirs.input, name));
}

/** Files of a sink folder (recursively), split into visible (committed) and hidden (in progress). */
async function sinkFiles(dir: string): Promise<{ visible: string[]; hidden: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const isHidden = (f: string) => /(^|\/)[._][^/]*$/.test(f.slice(dir.length));
  return { visible: files.filter((f) => !isHidden(f)), hidden: files.filter(isHidden) };
}

const unquote = (line: string) => line.replaceAll('"', "");

async function committedLines(dir: string): Promise<string[]> {
  const { visible } = await sinkFiles(dir);
  const texts = await Promise.all(visible.map((f) => readFile(f, "utf8")));
  return texts
    .flatMap((t) => t.split("\n"))
    .filter((l) => l !== "")
    .sort();
}

it("aggregates CSV files dropped while it runs into committed part files; malformed lines are dead letters", async () => {
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  await drop("trades-1.csv", [
    "2024-03-01 09:05:00,12.50,u1",
    "2024-03-01 09:40:00,7.00,u2", // below the minimum amount
    "2024-03-01 09:59:59,30.10,u3",
  ]);
  const spec = tradeFiles({
    inputPath: pathToFileURL(dirs.input).href,
    outputPath: pathToFileURL(dirs.output).href,
    deadLetterPath: pathToFileURL(dirs.dead).href,
    checkpointInterval: "1 s",
  });
  const sql = withStackSecrets(compileJob(spec)).statements.map((s) => s.sql);
  ({ jobId } = await flink.gateway.executeStatementSet(sql, {
    sets: { "pipeline.name": uniqueName("it-trade-files") },
    timeoutMs: 180_000,
  }));
  await flink.rest.waitForJobRunning(jobId, { timeoutMs: 120_000 });

  // Dropped while the job runs: picked up by the folder's monitor.
  await drop("trades-2.csv", [
    "2024-03-01 10:15:00,20.00,u1",
    "2024-03-01 10:16:00,not-a-number,u2", // malformed amount
    "2024-03-01 10:30:00,40.05,u4",
    "2024-03-01 11:00:00,10.00,u5",
  ]);
  // The folder's files are read in the order the monitor finds them, not the order they were
  // dropped: wait until trades-2 was read (its malformed line is a dead letter) before dropping
  // the file that moves the watermark past 11:00, or trades-2's rows would be late.
  const dead = await waitFor(
    async () => {
      const lines = await committedLines(dirs.dead);
      return lines.length > 0 ? lines : undefined;
    },
    { timeout: 60_000, interval: 1_000, description: "the malformed line in the dead-letter folder" },
  );
  expect(dead.map(unquote)).toEqual(["2024-03-01 10:16:00,,u2"]);
  await drop("trades-3.csv", ["2024-03-01 23:00:00,1.00,flush"]);

  const expected = [
    ["2024-03-01 09:00:00", "2024-03-01 10:00:00", 4260, 2],
    ["2024-03-01 10:00:00", "2024-03-01 11:00:00", 6005, 2],
    ["2024-03-01 11:00:00", "2024-03-01 12:00:00", 1000, 1],
  ];
  const lines = await waitFor(
    async () => {
      const trouble = await jobTrouble(flink, jobId as string);
      if (trouble?.includes("FAILED")) throw new Error(trouble);
      const got = await committedLines(dirs.output);
      return got.length >= expected.length ? got : undefined;
    },
    { timeout: 90_000, interval: 1_000, description: "three committed hourly rows" },
  );
  // Flink's CSV writer drops a DECIMAL's trailing zeros (42.6): compare in cents.
  const rows = lines.map((l) => {
    const [start, end, total, count] = unquote(l).split(",");
    return [start, end, Math.round(Number(total) * 100), Number(count)];
  });
  expect(rows).toEqual(expected);
  // Only committed part files are visible; in-progress ones are hidden (`.part-...inprogress`).
  const { visible } = await sinkFiles(dirs.output);
  for (const file of visible) expect(file).toMatch(/\/part-[^/]+$/);
}, 240_000);
