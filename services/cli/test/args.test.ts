import { describe, expect, it } from "vitest";
import { helpText, parseCommandLine } from "../src/args.ts";
import { UsageError } from "../src/errors.ts";

const parse = (argv: string[], env: Record<string, string | undefined> = {}) => parseCommandLine(argv, env);

function usageError(argv: string[]): UsageError {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseCommandLine", () => {
  it("parses each command with its own options", () => {
    expect(parse(["plan", "jobs/a.ts", "--export", "fast", "--explain"]).command).toEqual({
      kind: "plan",
      file: "jobs/a.ts",
      exportName: "fast",
      params: {},
      explain: true,
    });
    expect(parse(["apply", "a.ts", "--stateless", "--wait"]).command).toEqual({
      kind: "apply",
      file: "a.ts",
      exportName: undefined,
      params: {},
      stateless: true,
      allowStateLoss: false,
      wait: true,
    });
    expect(parse(["apply", "a.ts", "--allow-state-loss"]).command).toMatchObject({ allowStateLoss: true });
    expect(parse(["ls"]).command).toEqual({ kind: "ls" });
    expect(parse(["get", "orders"]).command).toEqual({ kind: "get", name: "orders" });
    expect(parse(["stop", "orders", "--drain"]).command).toEqual({
      kind: "stop",
      name: "orders",
      mode: "savepoint",
      drain: true,
      wait: false,
    });
    expect(parse(["stop", "orders", "--cancel"]).command).toMatchObject({ mode: "cancel", drain: false });
    expect(parse(["savepoint", "orders", "--wait"]).command).toEqual({
      kind: "savepoint",
      name: "orders",
      wait: true,
    });
    expect(parse(["events", "orders", "--after", "7", "--limit", "20"]).command).toEqual({
      kind: "events",
      name: "orders",
      after: 7,
      limit: 20,
    });
    expect(parse(["rm", "orders", "--cancel", "--wait"]).command).toEqual({
      kind: "rm",
      name: "orders",
      mode: "cancel",
      wait: true,
    });
  });

  it("collects --param name=value pairs for the job factory, JSON values parsed", () => {
    const argv = ["apply", "a.ts", "--param", "threshold=90", "--param", "bootstrapServers=kafka:19092"];
    expect(parse([...argv, "--param", 'topics=["a","b"]']).command).toMatchObject({
      params: { threshold: 90, bootstrapServers: "kafka:19092", topics: ["a", "b"] },
    });
    expect(usageError(["plan", "a.ts", "--param", "novalue"]).message).toBe(
      '--param takes name=value, got "novalue"',
    );
    expect(usageError(["plan", "a.ts", "--param", "a=1", "--param", "a=2"]).message).toBe(
      "--param a is given twice",
    );
    expect(usageError(["stop", "a", "--param", "a=1"]).message).toMatch(
      /--param is not an option of "sluice stop"/,
    );
  });

  it("maps start's restore flags to the API's `from`", () => {
    expect(parse(["start", "orders"]).command).toMatchObject({ from: "latest" });
    expect(parse(["start", "orders", "--no-savepoint"]).command).toMatchObject({ from: "none" });
    expect(parse(["start", "orders", "--from-savepoint", "file:///sp/savepoint-1"]).command).toMatchObject({
      from: "file:///sp/savepoint-1",
    });
  });

  it("takes the API URL and token from flags over the environment, with a default", () => {
    expect(parse(["ls"]).options).toEqual({
      apiUrl: "http://127.0.0.1:8080",
      token: undefined,
      json: false,
      waitTimeoutMs: 600_000,
    });
    const env = { SLUICE_API_URL: "http://api:9000/", SLUICE_API_TOKEN: "env-token-123" };
    expect(parse(["ls"], env).options).toMatchObject({ apiUrl: "http://api:9000", token: "env-token-123" });
    expect(
      parse(["--api-url", "https://x.example", "ls", "--token", "flag-token", "--json"], env).options,
    ).toMatchObject({
      apiUrl: "https://x.example",
      token: "flag-token",
      json: true,
    });
    // An empty variable counts as unset.
    expect(parse(["ls"], { SLUICE_API_TOKEN: " " }).options.token).toBeUndefined();
    expect(parse(["stop", "a", "--wait", "--timeout", "30"]).options.waitTimeoutMs).toBe(30_000);
  });

  it("answers help and version", () => {
    expect(parse(["--help"]).command).toEqual({ kind: "help" });
    expect(parse(["help", "stop"]).command).toEqual({ kind: "help", topic: "stop" });
    expect(parse(["stop", "--help"]).command).toEqual({ kind: "help", topic: "stop" });
    expect(parse(["--version"]).command).toEqual({ kind: "version" });
    expect(helpText("start")).toContain("--from-savepoint <path>");
    expect(helpText()).toContain("exit codes: 0 ok, 1 API error");
  });

  it.each([
    [[], /missing command/],
    [["deploy", "x"], /unknown command "deploy"/],
    [["stop"], /"sluice stop" needs <name>/],
    [["ls", "extra"], /unexpected argument "extra"/],
    [["start", "a", "--drain"], /--drain is not an option of "sluice start"/],
    [["stop", "a", "--drain", "--cancel"], /exclude each other/],
    [["start", "a", "--no-savepoint", "--from-savepoint", "p"], /exclude each other/],
    [["ls", "--frobnicate"], /Unknown option '--frobnicate'/],
    [["events", "a", "--limit", "0"], /--limit must be a whole number above 0/],
    [["events", "a", "--after", "-1"], /--after/],
    [["stop", "a", "--timeout", "soon"], /--timeout must be a whole number/],
    [["ls", "--api-url", "ftp://x"], /--api-url must be an http\(s\) URL/],
    [["ls", "--api-url", "http://user:pw@x"], /must not contain credentials/],
  ])("rejects %j", (argv, message) => {
    expect(usageError(argv).message).toMatch(message);
  });

  it("names the command in usage errors so its help can be shown", () => {
    expect(usageError(["stop", "a", "--drain", "--cancel"]).command).toBe("stop");
    expect(usageError(["deploy"]).command).toBeUndefined();
  });
});
