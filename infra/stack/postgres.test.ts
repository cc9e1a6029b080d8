import { describe, expect, it } from "vitest";
import { postgresBinDir, postgresEndpoint, postgresJdbcUrl } from "./postgres.ts";
import { stackSettings } from "./settings.ts";
import { componentNames } from "./stack.ts";

describe("PostgreSQL component settings", () => {
  it("reaches the role and database sluice on the configured port", () => {
    const settings = stackSettings({ SLUICE_POSTGRES_PORT: "45999" });
    expect(postgresEndpoint(settings, {})).toEqual({
      host: "127.0.0.1",
      port: 45999,
      database: "sluice",
      user: "sluice",
      password: "sluice",
    });
    expect(postgresEndpoint(settings, { SLUICE_POSTGRES_PASSWORD: "p" }).password).toBe("p");
    expect(postgresJdbcUrl(settings)).toBe("jdbc:postgresql://127.0.0.1:45999/sluice");
  });

  it("takes the binaries from SLUICE_POSTGRES_BIN when given", () => {
    expect(postgresBinDir({ SLUICE_POSTGRES_BIN: "/opt/pg/bin" })).toBe("/opt/pg/bin");
  });

  it("is the stack's last component when its binaries are installed, absent otherwise", () => {
    const names = componentNames(stackSettings({}));
    if (postgresBinDir() === undefined) expect(names).not.toContain("postgres");
    else expect(names.at(-1)).toBe("postgres");
  });
});
