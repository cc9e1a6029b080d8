/**
 * The origin's file pipeline on the REAL stack: CSV trade files dropped into a watched folder
 * while the job runs are aggregated per hour; the file sink's part files become visible only
 * when a checkpoint commits them, and the committed rows equal the expected totals exactly.
 * A line that does not parse follows the source's error policy like a Kafka record (`sluice-csv`):
 * `dead-letter` writes it, with its reason, file and line, to the dead-letter topic (read here
 * read_committed), and every input line is either a dead letter or in the totals; `skip` drops
 * and counts it (the dead-letter writer's count in Flink's metrics); `fail` fails the job.
 * The API's flow count of these dead letters: services/api/src/flow/file-dead-letters.int.test.ts.
 *
 * Needs `sluice-csv` on the cluster's class path (the launcher puts the functions jar there).
 * Run: npx vitest run --project integration flink-jobs/test/trade-files.int.test.ts
 */

import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileJob, type ErrorPolicy } from "@sluice/flink-jobs";
import {
  jobTrouble,
  readSink,
  StackResources,
  stackEndpoints,
  stackFlinkClient,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, afterEach, expect, it } from "vitest";
import { tradeFiles } from "../jobs/trade-files.ts";

const flink = stackFlinkClient();
const stack = new StackResources(flink);
const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const roots: string[] = [];

afterEach(() => stack.cleanUp());
afterAll(async () => {
  await flink.close();
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function folders() {
  const root = join(tmpdir(), uniqueName("sluice_trade_files"));
  roots.push(root);
  const dirs = { input: join(root, "in"), output: join(root, "out") };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  return dirs;
}

/** Writes a file under a hidden name, then renames it: the source never sees half a file. */
async function drop(dir: string, name: string, lines: string[]): Promise<void> {
  const hidden = join(dir, `.${name}.tmp`);
  await writeFile(hidden, `${lines.join("\n")}\n`);
  await rename(hidden, join(dir, name));
}

/** Files of a sink folder (recursively), split into visible (committed) and hidden (in progress). */
async function sinkFiles(dir: string): Promise<{ visible: string[]; hidden: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const isHidden = (f: string) => /(^|\/)[._][^/]*$/.test(f.slice(dir.length));
  return { visible: files.filter((f) => !isHidden(f)), hidden: files.filter(isHidden) };
}

/** The committed hourly rows as [start, end, total in cents, count]. */
async function committedRows(dir: string): Promise<[string, string, number, number][]> {
  const { visible } = await sinkFiles(dir);
  const texts = await Promise.all(visible.map((f) => readFile(f, "utf8")));
  return texts
    .flatMap((t) => t.split("\n"))
    .filter((l) => l !== "")
    .sort()
    .map((l) => {
      // Flink's CSV writer drops a DECIMAL's trailing zeros (42.6): compare in cents.
      const [start = "", end = "", total, count] = l.replaceAll('"', "").split(",");
      return [start, end, Math.round(Number(total) * 100), Number(count)];
    });
}

async function waitForRows(jobId: string, dir: string, n: number) {
  return waitFor(
    async () => {
      const trouble = await jobTrouble(flink, jobId);
      if (trouble !== undefined) throw new Error(trouble);
      const rows = await committedRows(dir);
      return rows.length >= n ? rows : undefined;
    },
    { timeout: 90_000, interval: 1_000, description: `${n} committed hourly rows` },
  );
}

async function start(dirs: { input: string; output: string }, errorPolicy: ErrorPolicy, dlq?: string) {
  const spec = tradeFiles({
    inputPath: pathToFileURL(dirs.input).href,
    outputPath: pathToFileURL(dirs.output).href,
    bootstrapServers,
    errorPolicy,
    ...(dlq === undefined ? {} : { deadLetterTopic: dlq }),
    checkpointInterval: "1 s",
  });
  return stack.runJob(compileJob(spec), uniqueName(`it-trade-files-${errorPolicy}`), {
    submitTimeoutMs: 180_000,
  });
}

interface DeadLetter {
  reason: string;
  column: string | null;
  file: string;
  line: number;
  raw: string;
  job: string;
}

/** The files of the dead-letter run: [file, lines]; a comment names what each bad line is. */
const FILES: [string, string[]][] = [
  [
    "trades-1.csv",
    ["2024-03-01 09:05:00,12.50,u1", "2024-03-01 09:40:00,7.00,u2", "2024-03-01 09:59:59,30.10,u3"],
  ],
  [
    "trades-2.csv",
    [
      "2024-03-01 10:15:00,20.00,u1",
      "2024-03-01 10:16:00,not-a-number,u2", // amount does not parse
      "2024-03-01 10:30:00,40.05,u4",
      "yesterday,15.00,u6", // date does not parse
      "", // an empty line
      "2024-03-01 10:45:00,13.00", // a field missing
      "2024-03-01 11:00:00,10.00,u5",
    ],
  ],
];
const BAD: Record<string, { reason: RegExp; column: string | null }> = {
  "trades-2.csv:2": { reason: /^field `amount`: NumberFormatException/, column: "amount" },
  "trades-2.csv:4": { reason: /^field `date`: /, column: "date" },
  "trades-2.csv:5": { reason: /^empty value$/, column: null },
  "trades-2.csv:6": { reason: /^malformed CSV: .*Row length mismatch/, column: null },
};
/** Moves the watermark past 11:00; its own line (below the minimum) is counted too. */
const FLUSH: [string, string[]] = ["trades-3.csv", ["2024-03-01 23:00:00,1.00,flush"]];

it("dead-letter: every line is in the hourly totals or a dead letter with its reason, file and line", async () => {
  const dirs = await folders();
  const dlq = uniqueName("trades_dlq");
  await stack.createTopics([dlq]);
  const [first, second] = FILES as [[string, string[]], [string, string[]]];
  await drop(dirs.input, ...first);
  const jobId = await start(dirs, "dead-letter", dlq);

  // Dropped while the job runs: picked up by the folder's monitor. The folder's files are read in
  // the order the monitor finds them: wait until trades-2's dead letters are committed before
  // dropping the file that moves the watermark past 11:00, or trades-2's rows would be late.
  await drop(dirs.input, ...second);
  const records = await readSink(flink, dlq, { jobId, done: (r) => r.length >= 4, settleMs: 3_000 });
  await drop(dirs.input, ...FLUSH);
  const rows = await waitForRows(jobId, dirs.output, 3);

  const dead = records.map((r) => r.value as DeadLetter);
  const keyOf = (d: DeadLetter) => `${d.file.slice(d.file.lastIndexOf("/") + 1)}:${d.line}`;
  expect(dead.map(keyOf).sort()).toEqual(Object.keys(BAD).sort());
  for (const d of dead) {
    const [name, line] = keyOf(d).split(":") as [string, string];
    const bad = BAD[keyOf(d)];
    expect(d.reason).toMatch(bad?.reason ?? /^$/);
    expect(d.column).toBe(bad?.column);
    expect(d.job).toBe("trade-files");
    expect(d.file).toContain(dirs.input);
    const text = FILES.find(([f]) => f === name)?.[1][Number(line) - 1];
    expect(Buffer.from(d.raw, "base64").toString("utf8")).toBe(text);
  }

  // The other lines, exactly: the totals of those of at least 10 whose hour the watermark closed.
  const all = [...FILES, FLUSH];
  const good = all.flatMap(([name, lines]) => lines.filter((_, i) => BAD[`${name}:${i + 1}`] === undefined));
  expect(good.length + dead.length).toBe(all.reduce((n, [, lines]) => n + lines.length, 0));
  expect(rows).toEqual(expectedHours(good));
  // Only committed part files are visible; in-progress ones are hidden (`.part-...inprogress`).
  const { visible } = await sinkFiles(dirs.output);
  for (const file of visible) expect(file).toMatch(/\/part-[^/]+$/);
}, 240_000);

/** Hourly [start, end, cents, count] of the trades of at least 10 (every hour here closes). */
function expectedHours(lines: string[]): [string, string, number, number][] {
  const hours = new Map<string, [number, number]>();
  for (const line of lines) {
    const [date = "", amount] = line.split(",");
    const cents = Math.round(Number(amount) * 100);
    if (cents < 1000) continue;
    const hour = date.slice(0, 13);
    const [sum, count] = hours.get(hour) ?? [0, 0];
    hours.set(hour, [sum + cents, count + 1]);
  }
  return [...hours].sort().map(([hour, [sum, count]]) => {
    const next = String(Number(hour.slice(11, 13)) + 1).padStart(2, "0");
    return [`${hour}:00:00`, `${hour.slice(0, 11)}${next}:00:00`, sum, count];
  });
}

it("skip: a bad line is left out of the totals and counted by the dead-letter writer", async () => {
  const dirs = await folders();
  await drop(dirs.input, "trades.csv", [
    "2024-03-01 09:05:00,12.50,u1",
    "2024-03-01 09:06:00,twelve,u2",
    "2024-03-01 09:07:00,20.00,u3",
    "2024-03-01 23:00:00,1.00,flush",
  ]);
  const jobId = await start(dirs, "skip");
  expect(await waitForRows(jobId, dirs.output, 1)).toEqual([
    ["2024-03-01 09:00:00", "2024-03-01 10:00:00", 3250, 2],
  ]);
  const skipped = await waitFor(
    async () => {
      const count = await writerCount(jobId, "trades__dead_letters");
      return count === 1 ? count : undefined;
    },
    { timeout: 30_000, description: "the skipped line counted by the dead-letter writer" },
  );
  expect(skipped).toBe(1);
}, 180_000);

/** `numRecordsIn` of a table's writer, summed over subtasks (what the API's flow reads). */
async function writerCount(jobId: string, table: string): Promise<number | undefined> {
  const job = await flink.rest.getJob(jobId);
  const name = new RegExp(`^${table}\\[\\d+\\]__Writer\\.numRecordsIn$`);
  for (const vertex of job.vertices) {
    const ids = (await flink.rest.vertexMetricIds(jobId, vertex.id)).filter((id) => name.test(id));
    const [metric] = await flink.rest.vertexMetrics(jobId, vertex.id, ids);
    if (metric !== undefined) return metric.sum;
  }
  return undefined;
}

it("fail: a bad line fails the job, and the reason is in Flink's exceptions", async () => {
  const dirs = await folders();
  const spec = tradeFiles({
    inputPath: pathToFileURL(dirs.input).href,
    outputPath: pathToFileURL(dirs.output).href,
    errorPolicy: "fail",
  });
  const compiled = compileJob(spec);
  expect(compiled.statements.map((s) => s.sql).join("\n")).not.toContain("__sluice");
  const jobId = await stack.runJob(compiled, uniqueName("it-trade-files-fail"), { submitTimeoutMs: 180_000 });
  await drop(dirs.input, "trades.csv", ["2024-03-01 09:05:00,12.50,u1", "2024-03-01 09:06:00,twelve,u2"]);
  const reason = await waitFor(
    async () => {
      const { entries } = await flink.rest.getExceptions(jobId, 5);
      // The filesystem reads format `csv` with Flink's bulk CSV reader, which names the field.
      return entries.map((e) => e.stacktrace).find((t) => t.includes("Fail to deserialize at field: amount"));
    },
    { timeout: 90_000, description: "the job's CSV failure" },
  );
  expect(reason).toContain("NumberFormatException");
}, 180_000);
