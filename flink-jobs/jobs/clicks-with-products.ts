import {
  defineJob,
  eq,
  from,
  insertInto,
  type JobSpec,
  kafka,
  seconds,
  t,
  table,
  upsertKafka,
} from "@sluice/flink-jobs";
import {
  DECIMAL_JSON,
  type EventTimeJobOptions,
  type ExactlyOnceJobOptions,
  eventTimeConfig,
  jsonTopicSource,
  kafkaDefaults,
  LENIENT_JSON,
} from "./common.ts";

export interface ClicksWithProductsOptions extends EventTimeJobOptions, ExactlyOnceJobOptions {
  clicksTopic?: string;
  productsTopic?: string;
  outputTopic?: string;
}

/**
 * Stream/table join: each click is joined with the product as it was at the
 * click's time (an event-time temporal join against an upsert-kafka versioned
 * table), so a later price change does not rewrite past clicks. Prices are
 * `DECIMAL(12, 2)`, exact to the cent.
 */
export function clicksWithProducts(options: ClicksWithProductsOptions = {}): JobSpec {
  const clicks = jsonTopicSource(
    "clicks",
    { click_id: t.string(), user_id: t.string(), product_id: t.string(), click_time: t.timestamp(3) },
    options.clicksTopic ?? "clicks",
    "click_time",
  );
  const products = table(
    "products",
    {
      product_id: t.string(),
      name: t.string(),
      category: t.string(),
      price: t.decimal(12, 2),
      updated_at: t.timestamp(3),
    },
    {
      primaryKey: ["product_id"],
      watermark: { column: "updated_at", delay: seconds(5) },
      connector: upsertKafka({ topic: options.productsTopic ?? "products", valueFormat: LENIENT_JSON }),
    },
  );
  const enrichedClicks = table(
    "enriched_clicks",
    {
      click_id: t.string(),
      user_id: t.string(),
      product_id: t.string(),
      click_time: t.timestamp(3),
      product_name: t.string(),
      category: t.string(),
      price: t.decimal(12, 2),
    },
    {
      connector: kafka({
        topic: options.outputTopic ?? "enriched_clicks",
        format: DECIMAL_JSON,
        // Append-only clicks that readers count and sum: a click replayed after a failover would count twice.
        deliveryGuarantee: "exactly-once",
      }),
    },
  );

  const joined = from(clicks)
    .temporalJoin(products, {
      asOf: (r) => r.clicks.click_time,
      on: (r) => eq(r.clicks.product_id, r.products.product_id),
    })
    .select((r) => ({
      click_id: r.clicks.click_id,
      user_id: r.clicks.user_id,
      product_id: r.clicks.product_id,
      click_time: r.clicks.click_time,
      product_name: r.products.name,
      category: r.products.category,
      price: r.products.price,
    }));

  return defineJob({
    name: "clicks-with-products",
    description: "Clicks joined with the product version valid at click time",
    kafka: kafkaDefaults(options),
    config: eventTimeConfig(options, { exactlyOnce: true }),
    tables: [clicks, products, enrichedClicks],
    inserts: [insertInto(enrichedClicks, joined)],
  });
}
