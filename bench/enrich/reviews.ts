import { seededRandom } from "@sluice/model-server";

/** One synthetic product review. */
export interface Review {
  id: string;
  text: string;
}

const openers = [
  "Bought this last month.",
  "Second one I've owned.",
  "Ordered it as a gift for my sister.",
  "I was hesitant at first.",
  "Used it daily for three weeks now.",
  "My husband picked this one.",
  "Honest review after a month of use.",
  "Not my first purchase from this brand.",
];
const sentences = [
  "The battery easily lasts two days, which surprised me.",
  "Battery drains overnight even when it's off.",
  "Charging takes forever with the bundled cable.",
  "For the price it is a steal.",
  "Way too expensive for what you get.",
  "Shipping was quick and tracking was accurate.",
  "Shipping took almost three weeks.",
  "It arrived a day early.",
  "The box was crushed and the packaging was torn.",
  "Customer service replied within an hour and sorted it out.",
  "Support never answered my emails.",
  "I had to return the first one and the refund took ages.",
  "Build quality feels solid and premium.",
  "Feels flimsy, the hinge creaks.",
  "It broke after two weeks.",
  "The screen is bright and sharp, even outdoors.",
  "Sound quality is rich with deep bass.",
  "The fan is loud at night.",
  "Smaller than it looks in the pictures.",
  "It fits perfectly in my bag.",
  "Comfortable enough to wear all day.",
  "Heavier than I expected.",
  "Setup took five minutes with the app.",
  "The instructions were useless.",
  "Assembly required two people and an hour.",
  "Sleek design, looks great on my desk.",
  "The color is slightly different from the photos.",
  "The fabric feels cheap.",
  "Tastes great, my kids love it.",
  "The smell is overpowering.",
  "Arrived stale, past its best-before date.",
  "Runs fast, no lag at all.",
  "The firmware update fixed most bugs.",
  "Bluetooth keeps disconnecting from my phone.",
  "Easy to clean, dishwasher safe.",
  "The warranty claim went smoothly.",
  "Gets hot after an hour of use.",
  "Our dog chewed through it in a day.",
  "Not as described, very disappointing.",
  "Does what it says.",
  "Would buy again.",
];

/**
 * Deterministic synthetic reviews (same seed, same list): `count` reviews of 2-4 sentences,
 * of which about `duplicateShare` repeat an earlier review's text (some with different case
 * or spacing, which a normalising cache should still recognise). Ids are unique.
 *
 * @example
 * generateReviews(3, 0.3, 1) // => [{ id: "review-00000", text: "Bought this last month. ..." }, ...]
 */
export function generateReviews(count: number, duplicateShare = 0.3, seed = 20_26): Review[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const reviews: Review[] = [];
  for (let i = 0; i < count; i++) {
    const id = `review-${String(i).padStart(5, "0")}`;
    if (i > 0 && random() < duplicateShare) {
      const earlier = pick(reviews).text;
      const variant = random() < 0.2 ? `  ${earlier.toUpperCase()} ` : earlier;
      reviews.push({ id, text: variant });
      continue;
    }
    const parts = [pick(openers)];
    const n = 2 + Math.floor(random() * 3);
    for (let s = 0; s < n; s++) parts.push(pick(sentences));
    // A serial number keeps fresh reviews distinct from each other.
    parts.push(`(order ${Math.floor(random() * 1e9)})`);
    reviews.push({ id, text: parts.join(" ") });
  }
  return reviews;
}

/** Share of reviews whose normalised text appeared earlier in the list. */
export function duplicateShare(reviews: readonly Review[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of reviews) {
    const key = r.text.trim().replace(/\s+/g, " ").toLowerCase();
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  return reviews.length === 0 ? 0 : duplicates / reviews.length;
}
