import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateApiTypes, generatedPath } from "./generate.ts";

describe("the generated client types", () => {
  it("match the API's OpenAPI document (run `npm run generate:api-client` when this fails)", async () => {
    const committed = await readFile(generatedPath, "utf8");
    expect(committed === (await generateApiTypes())).toBe(true);
  });
});
