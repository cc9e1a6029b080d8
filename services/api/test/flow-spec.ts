/**
 * `readings -> alerts WHERE temperature > 100` over Kafka (JSON), for the flow tests. The sink
 * may go through another bootstrap address (a gate the test controls) with a short request
 * timeout and a long max.block.ms, so that a closed gate blocks the sink instead of failing it.
 */
export function alertsSpec(
  name: string,
  topics: { input: string; output: string },
  brokers: string,
  sinkBrokers = brokers,
) {
  const columns = () => [
    { kind: "physical", name: "device_id", type: { kind: "STRING" } },
    { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
  ];
  return {
    name,
    description: "alerts for readings above 100",
    kafka: { bootstrapServers: brokers },
    tables: [
      {
        name: "readings",
        columns: columns(),
        connector: {
          kind: "kafka",
          topic: topics.input,
          startupMode: "earliest-offset",
          format: { kind: "json" },
        },
      },
      {
        name: "alerts",
        columns: columns(),
        connector: {
          kind: "kafka",
          topic: topics.output,
          bootstrapServers: sinkBrokers,
          format: { kind: "json" },
          properties: {
            "properties.request.timeout.ms": "2000",
            "properties.delivery.timeout.ms": "600000",
            "properties.max.block.ms": "600000",
            "properties.linger.ms": "0",
          },
        },
      },
    ],
    inserts: [
      {
        into: "alerts",
        query: {
          kind: "select",
          from: { kind: "table", name: "readings" },
          select: [
            { expr: { kind: "column", name: "device_id" } },
            { expr: { kind: "column", name: "temperature" } },
          ],
          where: {
            kind: "compare",
            op: ">",
            left: { kind: "column", name: "temperature" },
            right: { kind: "literal", value: 100 },
          },
        },
      },
    ],
  };
}
