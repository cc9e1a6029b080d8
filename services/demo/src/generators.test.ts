import { describe, expect, it } from "vitest";
import { BusinessEvents, seededRandom, sqlTimestamp } from "./generators.ts";

const at = Date.UTC(2024, 0, 1, 12, 0, 0);

describe("BusinessEvents", () => {
  it("gives the same events for the same seed and run, and other events for another run", () => {
    const a = new BusinessEvents(42, 1);
    const b = new BusinessEvents(42, 1);
    const c = new BusinessEvents(42, 2);
    const take = (e: BusinessEvents) => [e.review(at), e.transaction(at), e.click(at), e.priceChange(at)];
    const first = take(a);
    expect(take(b)).toEqual(first);
    const other = take(c);
    expect(other).not.toEqual(first);
    // Ids carry the run, so a resumed demo never repeats a review or click id.
    expect((first[0] as { review_id: string }).review_id).toBe("r-42.1-000001");
    expect((other[0] as { review_id: string }).review_id).toBe("r-42.2-000001");
  });

  it("writes timestamps in the SQL format Flink's JSON format reads", () => {
    const events = new BusinessEvents(7);
    expect(events.review(at).created_at).toBe("2024-01-01 12:00:00.000");
    expect(events.transaction(at).date).toBe("2024-01-01 12:00:00.000");
    expect(sqlTimestamp(Date.UTC(2013, 6, 4, 1, 2, 3, 4))).toBe("2013-07-04 01:02:03.004");
  });

  it("generates reviews with text and transactions both below and above the jobs' 10.00 minimum", () => {
    const events = new BusinessEvents(1);
    const amounts = Array.from({ length: 500 }, () => events.transaction(at).amount);
    expect(amounts.some((a) => a < 10)).toBe(true);
    expect(amounts.some((a) => a >= 10)).toBe(true);
    expect(amounts.every((a) => a > 0 && Number.isFinite(a))).toBe(true);
    for (let i = 0; i < 50; i++) expect(events.review(at).review_text.length).toBeGreaterThan(10);
  });

  it("publishes a catalogue of products keyed by id, and price changes of those products", () => {
    const events = new BusinessEvents(3);
    const catalogue = events.catalogue(at);
    const ids = new Set(catalogue.map((p) => p.product_id));
    expect(ids.size).toBe(catalogue.length);
    for (let i = 0; i < 20; i++) {
      const change = events.priceChange(at);
      expect(ids.has(change.product_id)).toBe(true);
      expect(change.price).toBeGreaterThan(0);
    }
  });
});

describe("seededRandom", () => {
  it("stays in [0, 1) and repeats for a seed", () => {
    const r1 = seededRandom(9);
    const r2 = seededRandom(9);
    const xs = Array.from({ length: 1000 }, () => r1());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 1000 }, () => r2())).toEqual(xs);
  });
});
