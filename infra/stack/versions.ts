/**
 * The one place where the stack's versions are pinned. The native launcher
 * resolves these from Maven Central; `docker-compose.yml` and
 * `infra/flink/Dockerfile` must name the same ones (compose.test.ts checks it).
 *
 * Flink 2.2.1 is not fully published on Maven Central (flink-table-planner-loader
 * 2.2.1 is missing), so the stack stays on 2.2.0.
 */
export const versions = {
  flink: "2.2.0",
  /** `org.apache.flink:flink-sql-connector-kafka`, built for Flink 2.2. */
  flinkKafkaConnector: "5.0.0-2.2",
  kafka: "4.2.1",
  /**
   * `org.apache.flink:flink-connector-jdbc-core` and `-postgres`: the JDBC connector for
   * Flink 2.x (built against 2.0; runs on 2.2.0, tested by the results-db integration tests).
   */
  flinkJdbcConnector: "4.0.0-2.0",
  /** `org.postgresql:postgresql`, the JDBC driver the connector loads. */
  postgresJdbc: "42.7.8",
  /** PostgreSQL server major version: Debian's `postgresql` package natively, `postgres:15` in compose. */
  postgresMajor: "15",
  postgresImage: "postgres:15",
  /** Scala binary version of the `kafka_<scala>` server artifact. */
  kafkaScala: "2.13",
  /** Flink 2.2 logs through SLF4J 1.7 and binds it to Log4j 2 (flink-parent's pins). */
  log4j: "2.24.3",
  slf4j: "1.7.36",
  /** Docker images for `docker compose`; same versions as above. */
  flinkImage: "flink:2.2.0-java17",
  kafkaImage: "apache/kafka:4.2.1",
  /** The Maven plugin that copies the resolved jars; pinned so a fresh machine resolves the same way. */
  mavenDependencyPlugin: "3.8.1",
} as const;

/** Java major version every JVM of the stack is meant to run on. */
export const javaMajor = 17;
