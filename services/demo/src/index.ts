/**
 * `@sluice/demo`: what `npm start` runs (see start.ts). The pieces are exported for tests and
 * for anyone who wants the demo's traffic or flagship wiring elsewhere.
 */
export { type ApiJob, SluiceApi } from "./api.ts";
export { type DemoConfig, DemoConfigError, demoConfig } from "./config.ts";
export { BusinessEvents, seededRandom, sqlTimestamp } from "./generators.ts";
export { type DemoTopics, demoTopics, type FlagshipOptions, flagshipJobs } from "./jobs.ts";
export { type JobView, Results, type SummaryInput, summaryLine, summaryPanel } from "./summary.ts";
export { loadPosition, Traffic, type TrafficCounts, type TrafficPosition } from "./traffic.ts";
