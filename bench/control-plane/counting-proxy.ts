/**
 * An HTTP proxy in front of the real Flink REST API that counts the requests passing through it
 * by route (job ids as `:id`), so the real-Flink row states the Flink REST calls the API makes.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** `GET /jobs/:id/exceptions` from `GET /jobs/0a1b.../exceptions?maxExceptions=10`. */
export function routeOf(method: string | undefined, url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] as string;
  return `${method} ${path.replace(/\/[0-9a-f]{32}(?=\/|$)/g, "/:id")}`;
}

export class CountingProxy {
  readonly requests = new Map<string, number>();
  url = "";
  private readonly server: Server;

  constructor(target: string) {
    const to = new URL(target);
    this.server = createServer((req, res) => {
      const route = routeOf(req.method, req.url);
      this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
      const upstream = request(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
