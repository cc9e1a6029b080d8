/**
 * CPU time of one Flink job's task threads inside the TaskManager JVM, from Linux's per-thread
 * counters (/proc/<pid>/task/<tid>/stat: utime + stime). On a machine whose cores other work
 * shares, wall-clock rows/s says how much CPU the job got; CPU time per row says what a row costs.
 *
 * The job's threads are found by name (`jcmd <pid> Thread.print`): Flink names a task's thread
 * after its operator chain ("Source: <table>[n] -> ...", "... <sink table>[n]: Writer ..."), and
 * the Kafka source's fetcher thread after its source. Threads are polled every 50 ms until they
 * end; the last value read is the thread's total (up to 50 ms per thread is missed). Kafka's own
 * producer I/O thread ("kafka-producer-network-thread") cannot be told apart from other jobs'
 * and is left out, as is the broker.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/**
 * The TaskManager JVM of the stack whose Flink REST API is at `restUrl`: the one whose command
 * line names the stack's directory (the JobManager's `web.tmpdir` lies inside it), or `explicit`.
 */
export async function taskManagerPid(restUrl: string, explicit?: string): Promise<number> {
  if (explicit !== undefined) return Number(explicit);
  const config = (await (await fetch(`${restUrl}/jobmanager/config`)).json()) as {
    key: string;
    value: string;
  }[];
  const tmp = config.find((e) => e.key === "web.tmpdir")?.value ?? "";
  const stackDir = tmp.slice(0, tmp.indexOf("/tmp/"));
  const pids = readdirSync("/proc")
    .filter((p) => /^[0-9]+$/.test(p))
    .filter((p) => {
      try {
        const cmdline = readFileSync(`/proc/${p}/cmdline`, "utf8");
        return cmdline.includes("TaskManagerRunner") && stackDir !== "" && cmdline.includes(stackDir);
      } catch {
        return false;
      }
    });
  if (pids.length !== 1)
    throw new Error(`found ${pids.length} TaskManagers of the stack in ${stackDir}; name one with --tm-pid`);
  return Number(pids[0]);
}

/** CPU seconds of a thread so far, or undefined once it has ended. */
function threadCpu(pid: number, tid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Thread ids of the JVM's threads whose name contains one of `markers`. */
async function threadsNamed(pid: number, markers: string[]): Promise<Map<number, string>> {
  const { stdout: dump } = await promisify(execFile)("jcmd", [String(pid), "Thread.print"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const found = new Map<number, string>();
  for (const line of dump.split("\n")) {
    const m = /^"(.*)" .* nid=(0x[0-9a-f]+)/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && markers.some((k) => m[1]?.includes(k)))
      found.set(Number.parseInt(m[2], 16), m[1]);
  }
  return found;
}

/**
 * Follows the CPU time of the threads whose names contain `markers` from now until `stop()`:
 * looks for them (a thread dump every 0.5 s) until `expected` are found, reads their counters
 * every 50 ms.
 */
export function followThreads(pid: number, markers: string[], expected: number) {
  const last = new Map<number, number>();
  const names = new Map<number, string>();
  const poll = () => {
    for (const tid of names.keys()) {
      const cpu = threadCpu(pid, tid);
      if (cpu !== undefined) last.set(tid, cpu);
    }
  };
  let stopped = false;
  /** The threads that do a task's work (not its flusher and timer threads). */
  const main = () =>
    [...names.values()].filter((n) => !/^(OutputFlusher|Time Trigger|System Time Trigger) /.test(n));
  const discover = async () => {
    while (!stopped && main().length < expected) {
      for (const [tid, name] of await threadsNamed(pid, markers)) names.set(tid, name);
      poll();
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const fast = setInterval(poll, 50);
  const discovering = discover();
  return {
    /** Stops following; the CPU seconds of every thread seen, by name. */
    async stop(): Promise<{ seconds: number; threads: Map<string, number> }> {
      poll();
      stopped = true;
      clearInterval(fast);
      await discovering;
      const threads = new Map<string, number>();
      for (const [tid, cpu] of last) threads.set(names.get(tid) ?? String(tid), cpu);
      if (main().length < expected)
        console.warn(`warning: found ${main().length} of ${expected} task threads; CPU time per row is low`);
      return { seconds: [...last.values()].reduce((a, b) => a + b, 0), threads };
    },
  };
}
