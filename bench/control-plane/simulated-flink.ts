/**
 * A SIMULATED Flink REST API and SQL Gateway, for the control-plane bench only: an HTTP server
 * answering the requests the API makes of a session cluster with N running jobs (the job
 * listing, one job, its exceptions, its checkpoints, its flow metrics, the cluster and gateway info), in Flink's
 * JSON shapes. A real 2-core cluster cannot hold 1,000 jobs; this measures the API's own cost
 * around them, with real HTTP and JSON parsing, and counts every request it gets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SimulatedJob {
  id: string;
  /** `pipeline.name`, `sluice/<name>/v<version>`. */
  name: string;
  startTime: number;
}

export class SimulatedFlink {
  /** Requests answered, by route (`GET /jobs/overview`, `GET /jobs/:id/exceptions`, ...). */
  readonly requests = new Map<string, number>();
  private readonly jobs = new Map<string, SimulatedJob>();
  private server: Server | undefined;
  url = "";

  add(job: SimulatedJob): void {
    this.jobs.set(job.id, job);
  }

  /** Total requests so far. */
  total(): number {
    let n = 0;
    for (const v of this.requests.values()) n += v;
    return n;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0] as string;
    const parts = path.split("/").filter(Boolean);
    const id = (p: string, i: number) =>
      (i === 1 && parts[0] === "jobs" && p !== "overview") || (i === 3 && parts[2] === "vertices");
    const route = `${req.method} /${parts.map((p, i) => (id(p, i) ? ":id" : p)).join("/")}`;
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
    const [status, body] = this.answer(route, parts);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private answer(route: string, parts: string[]): [number, unknown] {
    const job = parts[0] === "jobs" && parts[1] ? this.jobs.get(parts[1]) : undefined;
    if (route === "GET /jobs/overview") return [200, { jobs: [...this.jobs.values()].map(overview) }];
    if (route === "GET /overview") return [200, clusterOverview(this.jobs.size)];
    if (/^GET \/(v\d\/)?info$/.test(route)) return [200, { productName: "Apache Flink", version: "2.2.0" }];
    if (!job) return [404, { errors: ["Job not found (simulated)"] }];
    if (route === "GET /jobs/:id")
      return [200, { ...overview(job), vertices: [vertex(job)], timestamps: {} }];
    // Flow metrics (read by the API's flow monitor): values Flink does not have yet.
    if (route === "GET /jobs/:id/metrics") return [200, []];
    if (route === "GET /jobs/:id/vertices/:id/subtasks/metrics") return [200, []];
    if (route === "GET /jobs/:id/exceptions")
      return [200, { exceptionHistory: { entries: [], truncated: false } }];
    if (route === "GET /jobs/:id/checkpoints")
      return [200, { counts: { completed: 0 }, latest: { completed: null, savepoint: null } }];
    return [404, { errors: [`not simulated: ${route}`] }];
  }
}

function overview(job: SimulatedJob) {
  return {
    jid: job.id,
    name: job.name,
    state: "RUNNING",
    "start-time": job.startTime,
    "end-time": -1,
    duration: Date.now() - job.startTime,
    "last-modification": job.startTime,
    tasks: { total: 2, running: 2, finished: 0, canceled: 0, failed: 0 },
  };
}

/** The one vertex of a datagen -> blackhole job (source and sink chained). */
function vertex(job: SimulatedJob) {
  return {
    id: `${job.id.slice(0, 31)}v`,
    name: "Source: numbers[1] -> Sink: sink[2]",
    parallelism: 1,
    status: "RUNNING",
  };
}

function clusterOverview(jobs: number) {
  return {
    taskmanagers: 1,
    "slots-total": jobs,
    "slots-available": 0,
    "jobs-running": jobs,
    "jobs-finished": 0,
    "jobs-cancelled": 0,
    "jobs-failed": 0,
    "flink-version": "2.2.0",
  };
}
