import { describe, expect, it } from "vitest";
import { failureCause, slotShortage } from "./health.ts";

describe("slotShortage", () => {
  it.each<[string, Parameters<typeof slotShortage>[0], number, string | undefined]>([
    ["unknown cluster", undefined, 1, undefined],
    [
      "no TaskManager",
      { taskManagers: 0, slotsTotal: 0, slotsAvailable: 0 },
      1,
      "waiting for 1 task slot: 0 TaskManagers registered",
    ],
    [
      "too few slots in all",
      { taskManagers: 1, slotsTotal: 1, slotsAvailable: 1 },
      2,
      "waiting for 2 task slots: the cluster has 1 slot in 1 TaskManager",
    ],
    // Free slots are not required: the job's own failed tasks hold some of them while Flink restarts it.
    ["enough slots in all", { taskManagers: 2, slotsTotal: 4, slotsAvailable: 0 }, 2, undefined],
  ])("%s", (_, cluster, needed, expected) => {
    expect(slotShortage(cluster, needed)).toBe(expected);
  });
});

describe("failureCause", () => {
  it.each([
    [
      "org.apache.flink.util.FlinkException: TaskManager with id 127.0.0.1:4000-ab is no longer reachable.",
      "TaskManager lost",
    ],
    [
      "java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id x timed out.",
      "TaskManager lost",
    ],
    [
      "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.",
      "no task slot available",
    ],
    ["java.io.IOException: disk full", "java.io.IOException: disk full"],
  ])("%s", (message, cause) => {
    expect(failureCause({ timestamp: 1, message })).toBe(cause);
  });
});
