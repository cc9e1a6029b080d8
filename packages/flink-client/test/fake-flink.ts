import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What a fake route answers: a status and a JSON body, `"reset"` to drop the
 * connection, or `"hang"` to never answer.
 */
export type FakeAnswer = { status: number; body?: unknown } | "reset" | "hang";

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

type Route = (request: RecordedRequest) => FakeAnswer;

/**
 * A hand-written stand-in for a Flink endpoint: a real HTTP server on a free
 * port whose routes the test declares (`"GET /jobs/overview"`, or a RegExp on
 * `"METHOD /path?query"`). Every request is recorded.
 */
export class FakeFlink {
  readonly requests: RecordedRequest[] = [];
  readonly #routes: { match: string | RegExp; route: Route }[] = [];
  #server: Server | undefined;
  url = "";

  on(match: string | RegExp, answer: FakeAnswer | Route | FakeAnswer[]): this {
    if (Array.isArray(answer)) {
      // A sequence of answers, the last one repeated.
      let i = 0;
      const answers = answer;
      this.#routes.push({
        match,
        route: () => answers[Math.min(i++, answers.length - 1)] ?? { status: 500 },
      });
    } else {
      this.#routes.push({ match, route: typeof answer === "function" ? answer : () => answer });
    }
    return this;
  }

  count(match: string | RegExp): number {
    return this.requests.filter((r) => matches(match, `${r.method} ${r.path}`)).length;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = "";
    for await (const chunk of req) text += chunk;
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      body: text === "" ? undefined : JSON.parse(text),
    };
    this.requests.push(recorded);
    const key = `${recorded.method} ${recorded.path}`;
    // The route declared last wins, so a test can override the defaults of its `beforeEach`.
    const found = this.#routes.findLast((r) => matches(r.match, key));
    const answer: FakeAnswer = found
      ? found.route(recorded)
      : { status: 404, body: { errors: [`Not found: ${recorded.path}`] } };
    if (answer === "hang") return;
    if (answer === "reset") {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  }
}

function matches(match: string | RegExp, key: string): boolean {
  return typeof match === "string" ? key === match || key.split("?")[0] === match : match.test(key);
}

/** A port nothing listens on: bind one, remember it, close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A retry/poll environment that does not sleep: time advances by the requested delays. */
export function instantEnvironment(random = 0.5) {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    env: {
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      now: () => now,
      random: () => random,
    },
  };
}

export type InstantEnvironment = ReturnType<typeof instantEnvironment>;

export interface FakeFlinkSetup<C> {
  fake: FakeFlink;
  clock: InstantEnvironment;
  client: C;
}

/**
 * A started fake Flink, an instant clock, and a client of that fake made by `connect`: what each
 * client's unit tests set up before every test. Stop it with {@link stopFakeFlink}.
 */
export async function startFakeFlink<C>(
  connect: (url: string, env: InstantEnvironment["env"]) => C,
): Promise<FakeFlinkSetup<C>> {
  const fake = await new FakeFlink().start();
  const clock = instantEnvironment();
  return { fake, clock, client: connect(fake.url, clock.env) };
}

/** Closes the client's connections, then the fake. */
export async function stopFakeFlink(setup: FakeFlinkSetup<{ close(): Promise<void> }>): Promise<void> {
  await setup.client.close();
  await setup.fake.stop();
}
