import { describe, expect, it } from "vitest";
import { type FlowMetricsRest, readFlowMetrics } from "./flow-metrics.ts";

/** A Flink REST double that, like Flink 2.2, answers nothing when one id asked for is unknown. */
function rest(has: Record<string, number>, calls: string[]): FlowMetricsRest {
  return {
    getJob: async (jobId) => ({
      jid: jobId,
      name: "j",
      state: "RUNNING",
      "start-time": 0,
      "end-time": -1,
      vertices: [
        {
          id: "v1",
          name: "Source: trades__raw[1] -> trades__dead_letters[3]: Writer",
          parallelism: 1,
          status: "RUNNING",
        },
      ],
    }),
    jobMetrics: async () => ({}),
    vertexMetricIds: async () => {
      calls.push("list");
      return Object.keys(has);
    },
    vertexMetrics: async (_job, _vertex, ids) => {
      calls.push(`get ${ids.length}`);
      if (ids.some((id) => !(id in has))) return [];
      return ids.map((id) => ({ id, sum: has[id], max: has[id], min: has[id], avg: undefined }));
    },
  };
}

const query = {
  jobMetrics: [],
  vertexMetrics: () => [
    "Source__trades__raw[1].numRecordsOut",
    "Source__trades__raw[1].pendingRecords",
    "trades__dead_letters[3]__Writer.numRecordsIn",
  ],
};

describe("readFlowMetrics", () => {
  it("asks once when the vertex has every id", async () => {
    const calls: string[] = [];
    const has = {
      "Source__trades__raw[1].numRecordsOut": 4,
      "Source__trades__raw[1].pendingRecords": 0,
      "trades__dead_letters[3]__Writer.numRecordsIn": 3,
    };
    const raw = await readFlowMetrics(rest(has, calls), "job", query);
    expect(Object.keys(raw.vertices[0]?.metrics ?? {})).toHaveLength(3);
    expect(calls).toEqual(["get 3"]);
  });

  it("a vertex that lacks an id (a file source has no pendingRecords) is asked again for the ids it has", async () => {
    const calls: string[] = [];
    const has = {
      "Source__trades__raw[1].numRecordsOut": 4,
      "trades__dead_letters[3]__Writer.numRecordsIn": 3,
    };
    const raw = await readFlowMetrics(rest(has, calls), "job", query);
    expect(raw.vertices[0]?.metrics).toEqual({
      "Source__trades__raw[1].numRecordsOut": { sum: 4, max: 4, min: 4 },
      "trades__dead_letters[3]__Writer.numRecordsIn": { sum: 3, max: 3, min: 3 },
    });
    expect(calls).toEqual(["get 3", "list", "get 2"]);
  });
});
