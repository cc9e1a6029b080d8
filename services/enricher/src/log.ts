/** Log levels, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug";

/** A structured logger; fields must never hold secrets (the API key is never passed). */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** JSON lines on stderr, at or above `level`. */
export function jsonLogger(level: LogLevel = "info"): Logger {
  return {
    log(l, message, fields) {
      if (rank[l] > rank[level]) return;
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: l, msg: message, ...fields })}\n`,
      );
    },
  };
}

/** Drops everything (tests). */
export const silentLogger: Logger = { log() {} };
