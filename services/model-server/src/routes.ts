import type { IncomingMessage, ServerResponse } from "node:http";
import type { Completions } from "./completions.ts";
import { ModelServerError } from "./errors.ts";
import { checkBearer, readJsonBody } from "./http.ts";
import { emptyStats, type ModelServerStats } from "./stats.ts";

/** What the routes work with. */
export interface RoutesDeps {
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>`. */
  apiKey: Buffer | undefined;
  models: readonly string[];
  completions: Completions;
  /** Aborted when the server closes. */
  closing: AbortSignal;
  send: (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;
}

/** The model server's HTTP routes, and its counters. */
export class Routes {
  readonly #deps: RoutesDeps;
  stats: ModelServerStats = emptyStats();

  constructor(deps: RoutesDeps) {
    this.#deps = deps;
  }

  /** Answers one request; errors are answered in OpenAI's shape, never with a stack trace. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#route(req, res).catch((error: unknown) => this.#fail(res, error));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const { send } = this.#deps;
    if (method === "POST" && path === "/v1/chat/completions") {
      this.stats.requests++;
      this.#authorize(req);
      return this.#deps.completions.handle(req, res, await readJsonBody(req));
    }
    if (method === "GET" && path === "/v1/models") return this.#listModels(req, res);
    if (method === "GET" && path.startsWith("/v1/models/")) {
      return this.#listModels(req, res, decodeURIComponent(path.slice("/v1/models/".length)));
    }
    if (method === "GET" && path === "/healthz") return send(res, 200, { status: "ok" });
    if (method === "GET" && path === "/stats") return send(res, 200, this.stats);
    if (method === "POST" && path === "/stats/reset") {
      this.stats = emptyStats();
      return send(res, 200, this.stats);
    }
    throw new ModelServerError("not_found", `Invalid URL (${method} ${path})`);
  }

  #authorize(req: IncomingMessage): void {
    if (!this.#deps.apiKey) return;
    try {
      checkBearer(req, this.#deps.apiKey);
    } catch (error) {
      this.stats.unauthorized++;
      throw error;
    }
  }

  #listModels(req: IncomingMessage, res: ServerResponse, id?: string): void {
    this.#authorize(req);
    const { models, send } = this.#deps;
    const entry = (m: string) => ({ id: m, object: "model", created: 1_700_000_000, owned_by: "sluice" });
    if (id === undefined) {
      send(res, 200, { object: "list", data: models.map(entry) });
      return;
    }
    if (!models.includes(id)) {
      throw new ModelServerError(
        "model_not_found",
        `The model '${id}' does not exist or you do not have access to it.`,
      );
    }
    send(res, 200, entry(id));
  }

  #fail(res: ServerResponse, error: unknown): void {
    if (this.#deps.closing.aborted) {
      res.destroy();
      return;
    }
    if (!(error instanceof ModelServerError) || error.status === undefined) {
      // Never a stack trace to the client; the operator gets it on stderr.
      console.error("model-server: unexpected error", error);
      this.#fail(
        res,
        new ModelServerError("server_error", "The server had an error while processing your request."),
      );
      return;
    }
    if (error.status === 400 || error.status === 413) this.stats.badRequests++;
    this.#deps.send(res, error.status, error.body(), error.headers);
  }
}
