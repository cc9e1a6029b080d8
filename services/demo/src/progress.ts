import { type SummaryInput, summaryLine, summaryPanel } from "./summary.ts";

/**
 * Writes the demo's progress: on a terminal the live panel (redrawn each time) above the recent
 * events; otherwise the summary line plus each jobs/themes/hours line that changed since the
 * last refresh, so a log stays readable.
 */
export class ProgressPrinter {
  readonly #interactive: boolean;
  readonly #last = new Map<string, string>();

  constructor(interactive: boolean) {
    this.#interactive = interactive;
  }

  print(input: SummaryInput, recent: readonly string[]): void {
    if (this.#interactive) {
      const panel = summaryPanel(input);
      process.stdout.write(`\x1b[H\x1b[2J${[...panel, "", ...recent, summaryLine(input)].join("\n")}\n`);
      return;
    }
    const out = [summaryLine(input)];
    for (const [key, line] of Object.entries(changingLines(input))) {
      if (this.#last.get(key) === line) continue;
      out.push(line);
      this.#last.set(key, line);
    }
    if (input.trafficError) out.push(`warning: producing to Kafka fails: ${input.trafficError}`);
    process.stdout.write(`${out.join("\n")}\n`);
  }
}

/** The lines printed only when they change: job states, top themes, the last closed hours. */
function changingLines({ jobs, results }: SummaryInput): Record<"jobs" | "themes" | "hours", string> {
  const top = results.topThemes(6);
  const hours = results.lastHours(3);
  return {
    jobs: Array.isArray(jobs)
      ? `jobs: ${jobs.map((j) => `${j.name}=${j.state}`).join(" ")}`
      : `jobs: API not answering (${jobs.error})`,
    themes: `themes: ${top.length === 0 ? "(none yet)" : top.map(([t, n]) => `${t}=${n}`).join(", ")}`,
    hours: `hourly: ${
      hours.length === 0
        ? "(no hour closed yet)"
        : hours
            .map((h) => `${h.windowStart.slice(0, 16)} count=${h.count} total=${h.totalAmount.toFixed(2)}`)
            .join("; ")
    }`,
  };
}
