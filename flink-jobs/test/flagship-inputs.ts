/**
 * Inputs of the flagship jobs shared by the integration tests that run them (pipelines.int: exact
 * results; parallelism.int: the same results at parallelism 1 and 2). Pure data, no I/O.
 */
import { themesFor } from "@sluice/model-server";
import { sqlTimestamp } from "@sluice/testkit";

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** A transaction of `transactions-hourly`, its amount in integer cents (exact). */
export interface Transaction {
  date: string;
  cents: number;
  user_id: string;
}

/**
 * 240 transactions over four hours and a bit from `start`, in time order, with amounts that a DOUBLE
 * sum gets wrong (10.10 + 20.20 + 19.99 + 10.01 is 60.29999999999999 in binary floating point),
 * then an hour (the sixth) in which every transaction is below 10.00.
 */
export function sampleTransactions(start: number): Transaction[] {
  const cents = [1_010, 2_020, 1_999, 1_001, 999, 1_000, 33_333, 7, 12_345_678, 1_003, 10_010, 4_567];
  const transactions = Array.from({ length: 240 }, (_, i) => ({
    date: sqlTimestamp(start + i * 61_000 + (i % 4) * 125),
    cents: cents[i % cents.length] ?? 0,
    user_id: `user-${i % 7}`,
  }));
  const smallHour = [0, 10, 20, 30, 59].map((minute, i) => ({
    date: sqlTimestamp(start + 5 * HOUR + minute * MINUTE),
    cents: 999 - i * 100,
    user_id: "user-small",
  }));
  return [...transactions, ...smallHour];
}

/** A transaction as a payment system writes it: the amount a JSON number with two decimals ("amount":10.10). */
export function transactionLine(tx: Transaction): string {
  return `{"date":${JSON.stringify(tx.date)},"amount":${centsText(tx.cents)},"user_id":${JSON.stringify(tx.user_id)}}`;
}

/** Cents as Flink writes a DECIMAL(p, 2) in plain notation: 6030 -> "60.30", 7 -> "0.07". */
export function centsText(cents: number): string {
  const text = String(Math.abs(cents)).padStart(3, "0");
  return `${cents < 0 ? "-" : ""}${text.slice(0, -2)}.${text.slice(-2)}`;
}

export interface Review {
  review_id: string;
  product_id: string;
  review_text: string;
  created_at: string;
}

/**
 * 80 reviews over 3.3 hours from `start`, in order, each mentioning a few stock phrases (some none:
 * "Lovely!"), and the same reviews as the enricher would return them (`themes` from the model
 * server's lexicon), with a real model's inconsistencies: every third review's themes capitalised,
 * and a theme repeated upper-cased in every tenth.
 */
export function sampleReviews(start: number): {
  reviews: Review[];
  enriched: (Review & { themes: string[] })[];
} {
  const phrases = [
    "The battery lasts two days.",
    "Shipping was slow.",
    "Fair price for what you get.",
    "The screen is bright and sharp.",
    "Customer support answered within the hour.",
    "The box arrived crushed.",
    "Sound is crisp.",
    "Very comfortable to hold.",
    "Setup took minutes.",
    "It broke after a week.",
  ];
  const reviews = Array.from({ length: 80 }, (_, i) => ({
    review_id: `r-${String(i).padStart(3, "0")}`,
    product_id: `p-${i % 6}`,
    review_text: phrases.filter((_, k) => (i * (k + 3)) % 7 < 2).join(" ") || "Lovely!",
    created_at: sqlTimestamp(start + i * 150_000 + (i % 5) * 1_000),
  }));
  const enriched = reviews.map((review, i) => {
    const themes = themesFor(review.review_text, 5);
    const cased = i % 3 === 0 ? themes.map((t) => t.replace(/\b\w/g, (c) => c.toUpperCase())) : themes;
    const first = themes[0];
    return {
      ...review,
      themes: i % 10 === 7 && first !== undefined ? [...cased, first.toUpperCase()] : cased,
    };
  });
  return { reviews, enriched };
}

export interface Product {
  product_id: string;
  name: string;
  category: string;
  price: number;
  updated_at: string;
}

export interface Click {
  click_id: string;
  user_id: string;
  product_id: string;
  click_time: string;
}

/** A time on 2024-03-01 (UTC) as Flink writes a TIMESTAMP(3). */
export const onMarch1 = (hour: number, minute = 0) => sqlTimestamp(Date.UTC(2024, 2, 1, hour, minute, 0));

/**
 * Versions of three products on 2024-03-01 (the changelog of an upsert-kafka topic keyed by
 * `product_id`: a sale, a new product, a renamed one), and twelve clicks around them: before a
 * product existed, exactly at a version, a minute before the next one, on an unknown product.
 */
export function sampleProductsAndClicks(): { products: Product[]; clicks: Click[] } {
  const at = onMarch1;
  const products: Product[] = [
    { product_id: "p-1", name: "Kettle", category: "kitchen", price: 30, updated_at: at(9) },
    { product_id: "p-2", name: "Headphones", category: "audio", price: 99.5, updated_at: at(9, 30) },
    { product_id: "p-1", name: "Kettle", category: "kitchen", price: 25, updated_at: at(11) },
    { product_id: "p-3", name: "Desk lamp", category: "home", price: 45, updated_at: at(12) },
    { product_id: "p-2", name: "Headphones Pro", category: "audio", price: 129, updated_at: at(12, 30) },
    { product_id: "p-1", name: "Kettle", category: "kitchen", price: 35, updated_at: at(14) },
  ];
  const clicks = [
    ["c-01", "u-1", "p-1", at(8, 30)],
    ["c-02", "u-1", "p-1", at(9, 0)],
    ["c-03", "u-2", "p-2", at(9, 45)],
    ["c-04", "u-3", "p-1", at(10, 59)],
    ["c-05", "u-2", "p-1", at(11, 1)],
    ["c-06", "u-4", "p-3", at(11, 59)],
    ["c-07", "u-4", "p-3", at(12, 15)],
    ["c-08", "u-1", "p-2", at(12, 29)],
    ["c-09", "u-5", "p-2", at(13)],
    ["c-10", "u-5", "p-9", at(13, 5)],
    ["c-11", "u-3", "p-1", at(13, 59)],
    ["c-12", "u-3", "p-1", at(15)],
  ].map(([click_id, user_id, product_id, click_time]) => ({
    click_id: click_id ?? "",
    user_id: user_id ?? "",
    product_id: product_id ?? "",
    click_time: click_time ?? "",
  }));
  return { products, clicks };
}
