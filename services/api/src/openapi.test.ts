import { validate } from "@readme/openapi-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { afterEach, describe, expect, it } from "vitest";
import { type TestApp, testApp } from "../test/helper.ts";

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

async function openApiDocument(): Promise<OpenAPIV3_1.Document> {
  t = await testApp();
  const res = await t.app.inject("/openapi.json");
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document whose every $ref resolves", async () => {
    const doc = await openApiDocument();
    // The parser dereferences every $ref (a ref to a missing component is an error) and checks
    // the document against the OpenAPI 3.1 schema.
    const result = await validate(structuredClone(doc));
    expect(result).toMatchObject({ valid: true });
    expect(result.warnings).toEqual([]);
  });

  it("names the job spec's recursive parts as components instead of an unresolvable __shared", async () => {
    const doc = await openApiDocument();
    const schemas = doc.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(["JobSpecInput", "ExpressionInput", "SqlTypeInput", "QueryInput", "FromInput"]),
    );
    expect(Object.keys(schemas)).not.toContain("__shared");
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.filter((ref) => ref.split("#").length !== 2)).toEqual([]);
  });
});
