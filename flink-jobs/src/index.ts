export * from "./enrichment-task.ts";
