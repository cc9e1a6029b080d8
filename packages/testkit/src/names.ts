import { randomBytes } from "node:crypto";

/**
 * A name no other test run uses, valid as a Kafka topic and as an unquoted
 * Flink identifier (lower-case letters, digits, underscores).
 *
 * @example
 *   uniqueName("sensor_data") // "sensor_data_mbx1k2_3f9a1c"
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return `${clean}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}
