/**
 * Seeded generators of the demo's business events: product reviews, transactions, clicks and
 * product updates. The same seed gives the same events, so a demo run can be reproduced.
 *
 * @example
 *   const events = new BusinessEvents(42);
 *   events.review(Date.UTC(2024, 0, 1));
 *   // { review_id: "r-42.1-000001", product_id: "p03", review_text: "Battery lasts ...", created_at: "2024-01-01 00:00:00.000" }
 */

import { seededRandom } from "@sluice/model-server";

// The same mulberry32 generator the model server seeds its faults with.
export { seededRandom };

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC: the SQL timestamp format Flink's JSON format reads by default. */
export function sqlTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").replace("Z", "");
}

export interface Product {
  product_id: string;
  name: string;
  category: string;
  price: number;
  updated_at: string;
}

export interface Review {
  review_id: string;
  product_id: string;
  review_text: string;
  created_at: string;
}

export interface Transaction {
  date: string;
  amount: number;
  user_id: string;
}

export interface Click {
  click_id: string;
  user_id: string;
  product_id: string;
  click_time: string;
}

/** The demo shop's products by category: name -> price. Product ids follow this order. */
const PRODUCTS_BY_CATEGORY: Record<string, Record<string, number>> = {
  audio: { "Trail headphones": 89, "Pocket speaker": 45, "Studio earbuds": 129 },
  electronics: { "Reader tablet": 149, "Smart watch": 199, "Power bank": 35 },
  furniture: { "Desk chair": 240, "Standing desk": 420 },
  apparel: { "Running shoes": 95, "Rain jacket": 130 },
  kitchen: { "Coffee grinder": 60, Blender: 75 },
};

const CATALOGUE: readonly { name: string; category: string; price: number }[] = Object.entries(
  PRODUCTS_BY_CATEGORY,
).flatMap(([category, products]) =>
  Object.entries(products).map(([name, price]) => ({ name, category, price })),
);

// Review sentences, positive and negative, whose words the model (or the built-in lexicon
// stand-in) turns into themes such as "battery life", "shipping", "price" or "durability".
const OPENINGS = ["I bought this last month.", "Gift for my brother.", "Second one I own.", "", ""];
const SENTENCES: readonly string[] = [
  "The battery lasts two full days.",
  "Battery died after a week, very disappointing.",
  "Shipping was fast and the box arrived intact.",
  "Delivery took three weeks and the courier lost it once.",
  "Great value for the money.",
  "Way too expensive for what you get.",
  "Customer service answered within an hour and sorted it out.",
  "Support never replied to my emails.",
  "Returned it and the refund took ages.",
  "Feels solid and well built.",
  "It broke after two weeks of normal use.",
  "The screen is sharp and bright.",
  "Sound is muddy, the bass is weak.",
  "Very quiet, I can barely hear it.",
  "Smaller than I expected but fits in my bag.",
  "Comfortable even after hours.",
  "Heavier than the photos suggest.",
  "Easy to set up, took five minutes.",
  "Charging is slow with the included cable.",
  "The packaging was wasteful, lots of plastic.",
];

/** Generates the business events; each method takes the simulated time the event happens at. */
export class BusinessEvents {
  readonly #random: () => number;
  readonly #idPrefix: string;
  #reviews = 0;
  #clicks = 0;
  readonly #prices: number[];

  /** `run` numbers the demo's runs on one state folder, so that ids stay unique across runs. */
  constructor(seed: number, run = 1) {
    this.#idPrefix = `${seed}.${run}`;
    this.#random = seededRandom(seed * 1000 + run);
    this.#prices = CATALOGUE.map((p) => p.price);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }

  #productIndex(): number {
    return Math.floor(this.#random() * CATALOGUE.length);
  }

  #user(): string {
    return `u${String(1 + Math.floor(this.#random() * 200)).padStart(4, "0")}`;
  }

  /** Every product of the catalogue with its current price (published once at start). */
  catalogue(atMs: number): Product[] {
    return CATALOGUE.map((_, i) => this.#product(i, atMs));
  }

  #product(index: number, atMs: number): Product {
    const entry = CATALOGUE[index] as (typeof CATALOGUE)[number];
    return {
      product_id: `p${String(index + 1).padStart(2, "0")}`,
      name: entry.name,
      category: entry.category,
      price: this.#prices[index] as number,
      updated_at: sqlTimestamp(atMs),
    };
  }

  /** A price change of one product, up or down by at most 10 %. */
  priceChange(atMs: number): Product {
    const i = this.#productIndex();
    const factor = 0.9 + this.#random() * 0.2;
    this.#prices[i] = Math.round((this.#prices[i] as number) * factor * 100) / 100;
    return this.#product(i, atMs);
  }

  review(atMs: number): Review {
    this.#reviews += 1;
    const sentences = 1 + Math.floor(this.#random() * 3);
    const parts = [this.#pick(OPENINGS)];
    for (let i = 0; i < sentences; i++) parts.push(this.#pick(SENTENCES));
    return {
      review_id: `r-${this.#idPrefix}-${String(this.#reviews).padStart(6, "0")}`,
      product_id: `p${String(this.#productIndex() + 1).padStart(2, "0")}`,
      review_text: parts.filter((p) => p !== "").join(" "),
      created_at: sqlTimestamp(atMs),
    };
  }

  /** Most purchases are small; about one in five is below the jobs' 10.00 minimum. */
  transaction(atMs: number): Transaction {
    const amount = Math.round(Math.exp(1 + this.#random() * 5) * 100) / 100;
    return { date: sqlTimestamp(atMs), amount, user_id: this.#user() };
  }

  click(atMs: number): Click {
    this.#clicks += 1;
    return {
      click_id: `c-${this.#idPrefix}-${String(this.#clicks).padStart(7, "0")}`,
      user_id: this.#user(),
      product_id: `p${String(this.#productIndex() + 1).padStart(2, "0")}`,
      click_time: sqlTimestamp(atMs),
    };
  }
}
