import { defineConfig } from "vitest/config";

const ignored = ["**/node_modules/**", ".sluice/**", "**/*.fail.ts"];

// Three projects: `unit` (pure code and hand-written fakes, runs anywhere),
// `integration` (the real Flink session cluster and Kafka broker that infra/
// starts; the global setup starts the stack when none is running and stops what
// it started) and `kill` (`*.kill.int.test.ts`: tests that SIGKILL TaskManagers,
// the JobManager or stop PostgreSQL on that same stack; they run after the other
// two, one file at a time, so no other test sees their crashes).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...ignored, "**/*.int.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude: [...ignored, "**/*.kill.int.test.ts"],
          globalSetup: ["packages/testkit/src/global-setup.ts"],
          testTimeout: 240_000,
          hookTimeout: 600_000,
          // Two cores and one TaskManager: run integration files two at a time.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "kill",
          include: ["**/*.kill.int.test.ts"],
          exclude: ignored,
          globalSetup: ["packages/testkit/src/global-setup.ts"],
          testTimeout: 240_000,
          hookTimeout: 600_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
