import { kafka, seconds, t, table } from "@sluice/flink-jobs";

table(
  "bad",
  { id: t.string(), ts: t.timestamp(3) },
  // expect-error TS2322: a watermark needs a timestamp column
  { connector: kafka({ topic: "bad", format: "json" }), watermark: { column: "id", delay: seconds(1) } },
);
