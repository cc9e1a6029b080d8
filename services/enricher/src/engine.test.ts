import { describe, expect, it } from "vitest";
import { sentimentTask, themesTask as task } from "../test/fixtures.ts";
import { ThemeCache } from "./cache.ts";
import { ConcurrencyController } from "./concurrency.ts";
import { EnrichmentEngine } from "./engine.ts";
import { ModelCallError, ModelUnavailableError } from "./errors.ts";
import { EnricherMetrics } from "./metrics.ts";
import type {
  CustomReply,
  CustomRequest,
  ModelClient,
  ThemesReply,
  ThemesRequest,
} from "./model-protocol.ts";

/** A fake model: themes are the text's words; `misbehave` can change a reply. */
class FakeModel implements ModelClient {
  readonly calls: ThemesRequest[] = [];
  misbehave: (request: ThemesRequest, attempt: number) => ThemesReply | Error | undefined = () => undefined;

  async extractThemes(request: ThemesRequest): Promise<ThemesReply> {
    this.calls.push(request);
    await new Promise((r) => setTimeout(r, 1));
    const odd = this.misbehave(request, this.calls.length);
    if (odd instanceof Error) throw odd;
    if (odd) return odd;
    return {
      kind: "ok",
      results: request.records.map((r) => ({ id: r.id, themes: r.text.split(" ") })),
      usage: { promptTokens: 10, completionTokens: 5 },
      rateLimit: {},
    };
  }

  readonly customCalls: CustomRequest[] = [];
  async extractCustom(request: CustomRequest): Promise<CustomReply> {
    this.customCalls.push(request);
    await new Promise((r) => setTimeout(r, 1));
    return {
      kind: "ok",
      results: request.records.map((r) => ({
        id: r.id,
        // "weird" reviews get a label outside the schema's enum.
        result: {
          label: r.text.includes("weird") ? "meh" : r.text.includes("bad") ? "negative" : "positive",
        },
      })),
      rateLimit: {},
    };
  }
}

function engine(model: ModelClient, totalMs = 2000) {
  const metrics = new EnricherMetrics();
  const cache = new ThemeCache(1000);
  const persisted: string[] = [];
  const e = new EnrichmentEngine({
    model,
    controller: new ConcurrencyController({ min: 1, max: 8, initial: 4 }),
    cache,
    metrics,
    limits: { maxRecords: 4, maxTokens: 100_000 },
    backoff: { baseMs: 1, maxDelayMs: 5, totalMs },
    onCacheEntry: (key) => persisted.push(key),
  });
  return { e, metrics, cache, persisted };
}

const reviews = (texts: string[]) => texts.map((text, i) => ({ id: `id-${i}`, text }));
const ctx = { task, model: "m" };
const invalid = (reason: "not_json" | "schema_mismatch" | "truncated"): ThemesReply => ({
  kind: "invalid",
  reason,
  detail: "fake",
  rateLimit: {},
});

/** Each text comes out enriched with itself as its only theme (what FakeModel answers). */
async function expectEachEnrichedAsItself(model: FakeModel, texts: string[]): Promise<void> {
  const { e } = engine(model);
  const out = await e.enrich(reviews(texts), ctx);
  expect(out).toEqual(texts.map((text) => ({ kind: "enriched", value: [text] })));
}

/** An engine whose model always answers 429 (retry after 1 s), with a minute to keep trying. */
function alwaysRateLimited() {
  const model = new FakeModel();
  model.misbehave = () => new ModelCallError("rate_limited", "429", { rateLimit: { retryAfterMs: 1000 } });
  return { model, ...engine(model, 60_000) };
}

describe("EnrichmentEngine", () => {
  it("sends several records per request and maps results back by id, whatever their order", async () => {
    const model = new FakeModel();
    model.misbehave = (request) => ({
      kind: "ok",
      results: [...request.records].reverse().map((r) => ({ id: r.id, themes: [r.text.toUpperCase()] })),
      rateLimit: {},
    });
    const { e } = engine(model);
    const out = await e.enrich(reviews(["a", "b", "c", "d", "e", "f"]), ctx);
    expect(out).toEqual(["a", "b", "c", "d", "e", "f"].map((t) => ({ kind: "enriched", value: [t] })));
    expect(model.calls.map((c) => c.records.length)).toEqual([4, 2]);
  });

  it("pays once per distinct text: within a call, across concurrent calls, and from the cache", async () => {
    const model = new FakeModel();
    const { e, metrics, persisted } = engine(model);
    const [first, second] = await Promise.all([
      e.enrich(reviews(["x y", "x  y", "z", "x y"]), ctx),
      e.enrich(reviews(["z", "x y"]), ctx),
    ]);
    expect(first[0]).toEqual({ kind: "enriched", value: ["x", "y"] });
    expect(first[1]).toEqual(first[0]);
    expect(second[1]).toEqual(first[0]);
    const sent = model.calls.flatMap((c) => c.records.map((r) => r.text));
    expect(sent.sort()).toEqual(["x y", "z"]);
    await e.enrich(reviews(["z"]), ctx);
    expect(model.calls.flatMap((c) => c.records)).toHaveLength(2);
    expect(persisted).toHaveLength(2);
    expect(await metrics.total(metrics.cacheMisses)).toBe(2);
    expect(await metrics.total(metrics.cacheHits)).toBe(5);
  });

  it("splits a batch whose reply is invalid down to the one bad record", async () => {
    const model = new FakeModel();
    model.misbehave = (request) =>
      request.records.some((r) => r.text.includes("poison")) ? invalid("not_json") : undefined;
    const { e } = engine(model);
    const out = await e.enrich(reviews(["a", "b", "poison", "d"]), ctx);
    expect(out[2]).toMatchObject({ kind: "failed", code: "invalid_response" });
    expect(out.filter((o) => o.kind === "enriched")).toHaveLength(3);
    // [a b poison d] -> [a b] ok, [poison d] -> [poison] fails (3 tries alone), [d] ok
    expect(model.calls.map((c) => c.records.length)).toEqual([4, 2, 2, 1, 1, 1, 1]);
    expect(model.calls.filter((c) => c.records[0]?.text === "poison" && c.records.length === 1)).toHaveLength(
      3,
    );
  });

  it("treats truncated and schema-mismatched replies the same way", async () => {
    for (const reason of ["truncated", "schema_mismatch"] as const) {
      const model = new FakeModel();
      model.misbehave = (request) => (request.records.length > 1 ? invalid(reason) : undefined);
      const { e } = engine(model);
      const out = await e.enrich(reviews(["a", "b", "c"]), ctx);
      expect(out.every((o) => o.kind === "enriched")).toBe(true);
    }
  });

  it("asks again only for ids missing from a reply, and fails a record whose id never comes back", async () => {
    const model = new FakeModel();
    model.misbehave = (request) => ({
      kind: "ok",
      results: request.records
        .filter((r) => r.text !== "lost")
        .map((r) => ({ id: r.id, themes: [r.text] }))
        .concat([{ id: "made-up", themes: ["nonsense"] }]),
      rateLimit: {},
    });
    const { e } = engine(model);
    const out = await e.enrich(reviews(["a", "lost", "c"]), ctx);
    expect(out[0]).toEqual({ kind: "enriched", value: ["a"] });
    expect(out[1]).toMatchObject({ kind: "failed", code: "id_mismatch" });
    expect(out[2]).toEqual({ kind: "enriched", value: ["c"] });
    expect(model.calls.map((c) => c.records.length)).toEqual([3, 1, 1, 1]);
  });

  it("does not trust a reply that answers one id twice", async () => {
    const model = new FakeModel();
    model.misbehave = (request) =>
      request.records.length > 1
        ? {
            kind: "ok",
            results: request.records.flatMap((r) => [
              { id: r.id, themes: ["one"] },
              { id: r.id, themes: ["two"] },
            ]),
            rateLimit: {},
          }
        : undefined;
    await expectEachEnrichedAsItself(model, ["a", "b"]);
  });

  it("normalises and bounds the model's themes", async () => {
    const model = new FakeModel();
    model.misbehave = (request) => ({
      kind: "ok",
      results: request.records.map((r) => ({
        id: r.id,
        themes: [" Battery  LIFE ", "battery life", "", "x".repeat(100), "a", "b", "c", "d"],
      })),
      rateLimit: {},
    });
    const { e } = engine(model);
    const [out] = await e.enrich(reviews(["t"]), ctx);
    expect(out).toEqual({ kind: "enriched", value: ["battery life", "x".repeat(40), "a", "b", "c"] });
  });

  it("retries rate limits and server errors, then succeeds", async () => {
    const model = new FakeModel();
    model.misbehave = (_r, attempt) =>
      attempt === 1
        ? new ModelCallError("rate_limited", "429", { status: 429, rateLimit: { retryAfterMs: 5 } })
        : attempt === 2
          ? new ModelCallError("server_error", "503", { status: 503 })
          : undefined;
    const { e, metrics } = engine(model);
    const out = await e.enrich(reviews(["a"]), ctx);
    expect(out).toEqual([{ kind: "enriched", value: ["a"] }]);
    expect(await metrics.total(metrics.rateLimited)).toBe(1);
    expect(await metrics.total(metrics.modelRequests, { outcome: "server_error" })).toBe(1);
  });

  it("gives up within the total bound without dead-lettering, and forgets the in-flight texts", async () => {
    const model = new FakeModel();
    model.misbehave = () => new ModelCallError("server_error", "503", { status: 503 });
    const { e } = engine(model, 30);
    await expect(e.enrich(reviews(["a", "b"]), ctx)).rejects.toBeInstanceOf(ModelUnavailableError);
    model.misbehave = () => undefined;
    expect(await e.enrich(reviews(["a"]), ctx)).toEqual([{ kind: "enriched", value: ["a"] }]);
  });

  it("splits a request the provider rejects (400) and dead-letters the record it rejects alone", async () => {
    const model = new FakeModel();
    model.misbehave = (request) =>
      request.records.some((r) => r.text === "huge")
        ? new ModelCallError("rejected", "400", { status: 400 })
        : undefined;
    const { e } = engine(model);
    const out = await e.enrich(reviews(["a", "huge"]), ctx);
    expect(out[0]).toEqual({ kind: "enriched", value: ["a"] });
    expect(out[1]).toMatchObject({ kind: "failed", code: "model_rejected" });
  });

  it("splits a request larger than the whole token budget instead of waiting forever", async () => {
    const model = new FakeModel();
    model.misbehave = (request) =>
      request.records.length > 1
        ? new ModelCallError("rate_limited", "429", {
            status: 429,
            rateLimit: { retryAfterMs: 1, limitTokens: 250 },
          })
        : undefined;
    await expectEachEnrichedAsItself(model, ["a", "b"]);
  });

  it("gives a lone record another try after one unusable reply", async () => {
    const model = new FakeModel();
    model.misbehave = (_request, attempt) => (attempt === 1 ? invalid("not_json") : undefined);
    const { e } = engine(model);
    expect(await e.enrich(reviews(["a"]), ctx)).toEqual([{ kind: "enriched", value: ["a"] }]);
  });

  it("stops waiting when aborted", async () => {
    const { e } = alwaysRateLimited();
    const abort = new AbortController();
    const run = e.enrich(reviews(["a"]), { ...ctx, signal: abort.signal });
    setTimeout(() => abort.abort(new Error("revoked")), 20);
    await expect(run).rejects.toThrow("revoked");
  });

  it("runs a custom task and enforces its result schema", async () => {
    const model = new FakeModel();
    const { e } = engine(model);
    const out = await e.enrich(reviews(["good", "bad", "weird", "fine"]), {
      task: sentimentTask,
      model: "m",
    });
    expect(out[0]).toEqual({ kind: "enriched", value: { label: "positive" } });
    expect(out[1]).toEqual({ kind: "enriched", value: { label: "negative" } });
    expect(out[2]).toMatchObject({ kind: "failed", code: "invalid_response" });
    expect(out[3]).toEqual({ kind: "enriched", value: { label: "positive" } });
    expect(model.customCalls[0]?.prompt).toBe("Classify the review's sentiment.");
    // The bad result was asked again alone until its tries ran out.
    expect(model.customCalls.map((c) => c.records.length)).toEqual([4, 1, 1, 1]);
  });

  it("fails every record of a task it cannot run, with the reason", async () => {
    const themesOnly: ModelClient = { extractThemes: (r) => new FakeModel().extractThemes(r) };
    const { e } = engine(themesOnly);
    const [out] = await e.enrich(reviews(["good"]), { task: sentimentTask, model: "m" });
    expect(out).toMatchObject({ kind: "failed", code: "unsupported_task" });
    const badSchema = {
      ...sentimentTask,
      task: { ...sentimentTask.task, outputSchema: { type: "nonsense" } },
    } as typeof sentimentTask;
    const [bad] = await engine(new FakeModel()).e.enrich(reviews(["good"]), { task: badSchema, model: "m" });
    expect(bad).toMatchObject({
      kind: "failed",
      code: "unsupported_task",
      message: expect.stringMatching(/outputSchema/u),
    });
  });

  it("a call waiting for another call's duplicate fails with it, and succeeds when asked again", async () => {
    const { e, model } = alwaysRateLimited();
    const abort = new AbortController();
    const first = e.enrich(reviews(["shared"]), { ...ctx, signal: abort.signal });
    await new Promise((r) => setTimeout(r, 5));
    const second = e.enrich(reviews(["shared"]), ctx);
    abort.abort(new Error("revoked"));
    await expect(first).rejects.toThrow("revoked");
    await expect(second).rejects.toThrow("revoked");
    model.misbehave = () => undefined;
    expect(await e.enrich(reviews(["shared"]), ctx)).toEqual([{ kind: "enriched", value: ["shared"] }]);
  });
});
