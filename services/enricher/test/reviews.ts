/** Synthetic product reviews for the enricher's tests: deterministic, with duplicates and bad records. */
import { seededRandom } from "@sluice/model-server";

const openings = ["Honestly,", "Well,", "So", "To be fair,", "Overall", "Sadly", "Wow,", "I think"];
const parts = [
  "the battery lasts two days",
  "charging takes forever",
  "the price is a bit high",
  "great value for the money",
  "shipping was quick",
  "it arrived a week late",
  "the packaging was damaged",
  "customer service was helpful",
  "I had to return it for a refund",
  "the screen is bright",
  "it feels solid",
  "the seller never answered",
];

export interface ReviewSet {
  /** Raw records to produce (key = id when there is one). */
  records: { key: string | null; value: string }[];
  /** The valid reviews: id -> text. */
  valid: Map<string, string>;
  /** Keys of records that must be dead-lettered, with the expected error code. */
  malformed: { key: string | null; code: string }[];
  uniqueTexts: number;
}

/**
 * `count` records: ~30% repeat an earlier text under a new id, and a few are malformed
 * (not JSON, no id, empty text). Each text carries a serial so unique texts stay unique.
 */
export function makeReviews(count: number, seed = 7): ReviewSet {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const records: ReviewSet["records"] = [];
  const valid = new Map<string, string>();
  const malformed: ReviewSet["malformed"] = [];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `review-${i}`;
    if (i % 500 === 17) {
      records.push({ key: id, value: `{"id": "${id}", "review_text": "broken` });
      malformed.push({ key: id, code: "malformed_json" });
      continue;
    }
    if (i % 500 === 123) {
      records.push({ key: id, value: JSON.stringify({ review_text: "no id here, great price" }) });
      malformed.push({ key: id, code: "missing_id" });
      continue;
    }
    if (i % 500 === 321) {
      records.push({ key: id, value: JSON.stringify({ id, review_text: "   " }) });
      malformed.push({ key: id, code: "missing_text" });
      continue;
    }
    let text: string;
    if (texts.length > 10 && random() < 0.3) {
      text = pick(texts);
    } else {
      const n = 1 + Math.floor(random() * 3);
      const chosen = Array.from({ length: n }, () => pick(parts));
      text = `${pick(openings)} ${chosen.join(", and ")}. (order ${texts.length})`;
      texts.push(text);
    }
    valid.set(id, text);
    records.push({ key: id, value: JSON.stringify({ id, review_text: text, rating: i % 5 }) });
  }
  return { records, valid, malformed, uniqueTexts: texts.length };
}
