import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retainedCheckpointDir } from "./checkpoint-dir.ts";
import { apiEnv, demoConfig } from "./config.ts";

/** A stand-in for the JobManager's `GET /jobmanager/config`, answering what `config` holds. */
let config: unknown = [];
let status = 200;
let server: Server;
let url = "";
const dir = mkdtempSync(join(tmpdir(), "sluice-demo-checkpoints-"));

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.url === "/jobmanager/config" ? status : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(config));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("retainedCheckpointDir", () => {
  it("is the cluster's execution.checkpointing.dir when it is a directory on this machine", async () => {
    const href = pathToFileURL(dir).href;
    config = [
      { key: "rest.port", value: "8081" },
      { key: "execution.checkpointing.dir", value: href },
    ];
    expect(await retainedCheckpointDir(url)).toBe(href);
    // Flink may write the URL with one slash.
    config = [{ key: "execution.checkpointing.dir", value: `file:${dir}` }];
    expect(await retainedCheckpointDir(url)).toBe(`file:${dir}`);
  });

  it("is undefined for a directory elsewhere (another host, S3), none configured, or no answer", async () => {
    config = [{ key: "execution.checkpointing.dir", value: "file:///nowhere/on/this/machine" }];
    expect(await retainedCheckpointDir(url)).toBeUndefined();
    config = [{ key: "execution.checkpointing.dir", value: "s3://bucket/checkpoints" }];
    expect(await retainedCheckpointDir(url)).toBeUndefined();
    config = [{ key: "rest.port", value: "8081" }];
    expect(await retainedCheckpointDir(url)).toBeUndefined();
    config = { unexpected: true };
    expect(await retainedCheckpointDir(url)).toBeUndefined();
    status = 503;
    expect(await retainedCheckpointDir(url)).toBeUndefined();
    status = 200;
    expect(await retainedCheckpointDir("http://127.0.0.1:1")).toBeUndefined();
  });
});

describe("apiEnv", () => {
  it("points the API at the retained checkpoints, unless SLUICE_CHECKPOINT_DIR is already set", () => {
    const demo = demoConfig({});
    const previous = process.env.SLUICE_CHECKPOINT_DIR;
    try {
      delete process.env.SLUICE_CHECKPOINT_DIR;
      expect(apiEnv(demo, "file:///s/flink/checkpoints").SLUICE_CHECKPOINT_DIR).toBe(
        "file:///s/flink/checkpoints",
      );
      expect(apiEnv(demo).SLUICE_CHECKPOINT_DIR).toBeUndefined();
      process.env.SLUICE_CHECKPOINT_DIR = "file:///mine";
      expect(apiEnv(demo, "file:///s/flink/checkpoints").SLUICE_CHECKPOINT_DIR).toBe("file:///mine");
    } finally {
      if (previous === undefined) delete process.env.SLUICE_CHECKPOINT_DIR;
      else process.env.SLUICE_CHECKPOINT_DIR = previous;
    }
  });
});
