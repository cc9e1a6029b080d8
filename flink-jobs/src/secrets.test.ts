import { describe, expect, it } from "vitest";
import { FlinkJobsError } from "./errors.ts";
import {
  MissingSecretError,
  redactSecrets,
  renderOptionValue,
  resolveSecrets,
  secretNamesIn,
} from "./secrets.ts";

const sql =
  "CREATE TEMPORARY TABLE `t` (`a` INT) WITH (\n  'password' = '${secret:DB_PASSWORD}',\n  'properties.sasl.jaas.config' = '${secret:KAFKA_JAAS}'\n)";

describe("secrets", () => {
  it("renders a secret reference as a placeholder inside a literal", () => {
    expect(renderOptionValue({ secret: "DB_PASSWORD" })).toBe("'${secret:DB_PASSWORD}'");
    expect(renderOptionValue("it's")).toBe("'it''s'");
  });

  it("lists referenced secrets sorted and unique", () => {
    expect(secretNamesIn(`${sql}\n${sql}`)).toEqual(["DB_PASSWORD", "KAFKA_JAAS"]);
  });

  it("substitutes values escaped as SQL literal content", () => {
    const values: Record<string, string> = { DB_PASSWORD: "pa'ss;--", KAFKA_JAAS: "x" };
    expect(resolveSecrets(sql, (name) => values[name])).toBe(
      "CREATE TEMPORARY TABLE `t` (`a` INT) WITH (\n  'password' = 'pa''ss;--',\n  'properties.sasl.jaas.config' = 'x'\n)",
    );
  });

  it("does not substitute placeholders that a value itself contains", () => {
    const values: Record<string, string> = { DB_PASSWORD: "${secret:KAFKA_JAAS}", KAFKA_JAAS: "leak" };
    expect(resolveSecrets(sql, (name) => values[name])).toContain("'password' = '${secret:KAFKA_JAAS}'");
  });

  it("names a missing secret without any value", () => {
    let caught: unknown;
    try {
      resolveSecrets(sql, (name) => (name === "DB_PASSWORD" ? "hunter2" : undefined));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MissingSecretError);
    expect((caught as MissingSecretError).code).toBe("MISSING_SECRET");
    expect(caught).toBeInstanceOf(FlinkJobsError);
    expect((caught as MissingSecretError).secretName).toBe("KAFKA_JAAS");
    expect((caught as Error).message).not.toContain("hunter2");
  });

  it("redacts placeholders", () => {
    expect(redactSecrets(sql)).toBe(
      "CREATE TEMPORARY TABLE `t` (`a` INT) WITH (\n  'password' = '***',\n  'properties.sasl.jaas.config' = '***'\n)",
    );
  });
});
