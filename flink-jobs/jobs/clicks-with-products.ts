import {
  eq,
  from,
  insertInto,
  type JobSpec,
  kafka,
  proctime,
  seconds,
  t,
  table,
  upsertKafka,
} from "@sluice/flink-jobs";
import {
  DECIMAL_JSON,
  type EventTimeJobOptions,
  type ExactlyOnceJobOptions,
  exactlyOnceEventTimeJob,
  jsonTopicSource,
  LENIENT_JSON,
} from "./common.ts";
import { type PostgresOptions, postgresDimension, withPostgresRestarts } from "./postgres.ts";

export interface ClicksWithProductsOptions extends EventTimeJobOptions, ExactlyOnceJobOptions {
  clicksTopic?: string;
  productsTopic?: string;
  outputTopic?: string;
  /**
   * Look products up in PostgreSQL (table `products` of the stack's migrations)
   * instead of joining the `products` topic: a lookup join as of each click's
   * processing time, rows cached for `cacheExpiry` (default `10 s`).
   */
  productsFromPostgres?: PostgresOptions & { cacheExpiry?: string };
}

/**
 * Stream/table join: each click is joined with the product as it was at the
 * click's time (an event-time temporal join against an upsert-kafka versioned
 * table), so a later price change does not rewrite past clicks. Prices are
 * `DECIMAL(12, 2)`, exact to the cent.
 */
export function clicksWithProducts(options: ClicksWithProductsOptions = {}): JobSpec {
  if (options.productsFromPostgres) return clicksWithProductsLookup(options, options.productsFromPostgres);
  const clicks = jsonTopicSource(
    "clicks",
    { click_id: t.string(), user_id: t.string(), product_id: t.string(), click_time: t.timestamp(3) },
    options.clicksTopic,
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
  const enrichedClicks = enrichedClicksSink(options);

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

  return exactlyOnceEventTimeJob(options, {
    name: "clicks-with-products",
    description: "Clicks joined with the product version valid at click time",
    tables: [clicks, products, enrichedClicks],
    inserts: [insertInto(enrichedClicks, joined)],
  });
}

function enrichedClicksSink(options: ClicksWithProductsOptions) {
  return table(
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
}

/**
 * Clicks joined with the product row in PostgreSQL at the moment the click is
 * processed (a lookup join): a product changed in the database is seen once its
 * cached row expires; clicks already written keep the row they were joined with.
 */
function clicksWithProductsLookup(
  options: ClicksWithProductsOptions,
  pg: PostgresOptions & { cacheExpiry?: string },
): JobSpec {
  const clicks = table(
    "clicks",
    {
      click_id: t.string(),
      user_id: t.string(),
      product_id: t.string(),
      click_time: t.timestamp(3),
      proc_time: proctime(),
    },
    {
      connector: kafka({
        topic: options.clicksTopic ?? "clicks",
        format: LENIENT_JSON,
        startupMode: "earliest-offset",
      }),
    },
  );
  const products = postgresDimension(
    "products",
    "products",
    { product_id: t.string(), name: t.string(), category: t.string(), price: t.decimal(12, 2) },
    ["product_id"],
    pg,
  );
  const enrichedClicks = enrichedClicksSink(options);
  const joined = from(clicks)
    .temporalJoin(products, {
      asOf: (r) => r.clicks.proc_time,
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
  const spec = exactlyOnceEventTimeJob(options, {
    name: "clicks-with-products",
    description: "Clicks joined with the product row in PostgreSQL at processing time (lookup join)",
    tables: [clicks, products, enrichedClicks],
    inserts: [insertInto(enrichedClicks, joined)],
  });
  return withPostgresRestarts(spec, pg);
}
