/**
 * `@sluice/api/testing`: test doubles for code that embeds the API. Not part of the production
 * entry point (`@sluice/api`).
 */
export { FakeFlink } from "./flink/fake.ts";
