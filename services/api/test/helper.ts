import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { buildApp } from "../src/app.ts";
import { sluiceCompiler } from "../src/compiler/sluice-compiler.ts";
import { type ApiConfig, loadConfig } from "../src/config.ts";
import { FakeFlink } from "../src/flink/fake.ts";
import type { TaskPublisher, ThemeCountsSource } from "../src/kafka.ts";
import { JobStore } from "../src/store/store.ts";

export const TOKEN = "test-token-0123456789";
export const auth = { authorization: `Bearer ${TOKEN}` };

/** A controllable clock: tests move time forward by hand. */
export class Clock {
  t = Date.parse("2026-01-01T00:00:00Z");
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  flink: FakeFlink;
  store: JobStore;
  clock: Clock;
  config: ApiConfig;
  env: Record<string, string | undefined>;
  /** One reconcile pass. */
  tick(): Promise<void>;
  /** Passes until `predicate` holds (at most 20). */
  tickUntil(predicate: () => boolean): Promise<void>;
  json(res: LightMyRequestResponse): Record<string, unknown>;
}

/**
 * Builds the app on the hand-written fake Flink, the real compiler and an in-memory store
 * (or the given one), with the reconcile loop off: tests drive it with `tick()`.
 */
export async function testApp(
  options: {
    env?: Record<string, string>;
    store?: JobStore;
    flink?: FakeFlink;
    clock?: Clock;
    tasks?: TaskPublisher;
    themes?: ThemeCountsSource;
  } = {},
): Promise<TestApp> {
  const clock = options.clock ?? new Clock();
  const env = {
    SLUICE_API_TOKENS: TOKEN,
    SLUICE_RECONCILE_INTERVAL_MS: "0",
    SLUICE_UPGRADE_VERIFY_MS: "0",
    ...options.env,
  };
  const config = loadConfig(env);
  const flink = options.flink ?? new FakeFlink(clock.now);
  const store = options.store ?? JobStore.open(":memory:");
  const app = await buildApp({
    config,
    flink,
    compiler: sluiceCompiler,
    store,
    env,
    now: clock.now,
    tasks: options.tasks,
    themes: options.themes,
  });
  const tick = async () => {
    await app.reconciler.tick();
  };
  return {
    app,
    flink,
    store,
    clock,
    config,
    env,
    tick,
    async tickUntil(predicate) {
      for (let i = 0; i < 20 && !predicate(); i++) await tick();
      if (!predicate()) throw new Error("condition not reached after 20 reconcile passes");
    },
    json: (res) => JSON.parse(res.body) as Record<string, unknown>,
  };
}
