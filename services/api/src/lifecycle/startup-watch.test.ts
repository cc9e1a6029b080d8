import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Clock } from "../../test/helper.ts";
import { FakeFlink } from "../flink/fake.ts";
import type { FlinkJobSummary } from "../flink/port.ts";
import type { LifecycleContext } from "./context.ts";
import { STARTUP_WATCH_MS, StartupWatch } from "./startup-watch.ts";

/** The startup watch on fake timers: each read happens when the timer says, not when a sleep ends. */
let clock: Clock;
let flink: FakeFlink;
let reads: FlinkJobSummary[];
let watch: StartupWatch;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  clock = new Clock();
  flink = new FakeFlink(clock.now);
  reads = [];
  const ctx: Pick<LifecycleContext, "flink" | "now"> = { flink, now: clock.now };
  watch = new StartupWatch(ctx, (job) => reads.push(job));
  watch.start();
});
afterEach(async () => {
  await watch.stop();
  vi.useRealTimers();
});

/** Lets the timers due within `ms` fire, moving the clock with them. */
async function elapse(ms: number): Promise<void> {
  clock.advance(ms);
  await vi.advanceTimersByTimeAsync(ms);
}

describe("StartupWatch", () => {
  it("reads a starting job at once, then every STARTUP_WATCH_MS until it leaves its starting states", async () => {
    flink.initialState = "INITIALIZING";
    const id = flink.addJob("sluice/a/v1", "INITIALIZING");
    watch.watch(id);
    await elapse(0);
    expect(reads.map((j) => j.state)).toEqual(["INITIALIZING"]);
    await elapse(STARTUP_WATCH_MS - 1);
    expect(reads).toHaveLength(1);
    flink.setState(id, "RUNNING");
    await elapse(1);
    expect(reads.map((j) => j.state)).toEqual(["INITIALIZING", "RUNNING"]);
    await elapse(10 * STARTUP_WATCH_MS);
    expect(reads).toHaveLength(2); // no more reads once RUNNING
  });

  it("gives up on a job still starting after 10 s, and puts fresher reads over older listings", async () => {
    const id = flink.addJob("sluice/a/v1", "CREATED");
    const listedAt = clock.now();
    watch.watch(id);
    await elapse(0);
    const listed = { id, name: "sluice/a/v1", state: "CREATED", startTime: 0 };
    expect(watch.withDirectReads([listed], listedAt)[0]?.state).toBe("CREATED");
    for (let i = 0; i < 250; i++) await elapse(STARTUP_WATCH_MS);
    const count = reads.length;
    expect(count).toBeGreaterThan(150);
    expect(count).toBeLessThanOrEqual(10_000 / STARTUP_WATCH_MS + 1);
    await elapse(10 * STARTUP_WATCH_MS);
    expect(reads).toHaveLength(count);
    flink.setState(id, "RUNNING");
    // A listing begun after the last direct read wins over it.
    expect(watch.withDirectReads([{ ...listed, state: "RUNNING" }], clock.now())[0]?.state).toBe("RUNNING");
  });

  it("does not watch while stopped", async () => {
    await watch.stop();
    watch.watch(flink.addJob("sluice/a/v1", "INITIALIZING"));
    await elapse(STARTUP_WATCH_MS);
    expect(reads).toEqual([]);
  });
});
