import { createServer, request, type Server } from "node:http";
import { connect, createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";

/**
 * An HTTP proxy in front of the Flink REST API that counts the requests passing through it,
 * so a test can prove how often the API calls Flink.
 */
export class CountingProxy {
  readonly paths: string[] = [];
  private readonly server: Server;

  private constructor(target: URL) {
    this.server = createServer((req, res) => {
      this.paths.push(req.url ?? "");
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
  }

  static async start(targetUrl: string): Promise<{ proxy: CountingProxy; url: string }> {
    const proxy = new CountingProxy(new URL(targetUrl));
    const port = await listen(proxy.server);
    return { proxy, url: `http://127.0.0.1:${port}` };
  }

  /** Requests so far whose path matches. */
  count(pattern: RegExp): number {
    return this.paths.filter((p) => pattern.test(p)).length;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A TCP gate in front of a Kafka broker: while closed it accepts connections and never answers
 * (a producer bootstrapping through it blocks, as behind a dead network), once opened it
 * forwards new connections to the broker.
 */
export class KafkaGate {
  open = false;
  private readonly held = new Set<Socket>();
  private readonly server: TcpServer;

  private constructor(target: { host: string; port: number }) {
    this.server = createTcpServer((socket) => {
      this.held.add(socket);
      socket.on("close", () => this.held.delete(socket));
      socket.on("error", () => socket.destroy());
      if (!this.open) return;
      const upstream = connect(target.port, target.host);
      upstream.on("error", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
      socket.pipe(upstream).pipe(socket);
    });
  }

  static async start(broker: string): Promise<{ gate: KafkaGate; address: string }> {
    const [host = "127.0.0.1", port = "9092"] = broker.split(":");
    const gate = new KafkaGate({ host, port: Number(port) });
    const listening = await listen(gate.server);
    return { gate, address: `127.0.0.1:${listening}` };
  }

  /** Lets new connections through and drops the held ones (their clients reconnect). */
  release(): void {
    this.open = true;
    for (const socket of this.held) socket.destroy();
  }

  close(): Promise<void> {
    for (const socket of this.held) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}
