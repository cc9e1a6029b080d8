export { estimateTokens, type ThemesTask, themesTaskSchema } from "./chat.ts";
export { optionsFromEnv } from "./config.ts";
export { type HttpErrorCode, ModelServerError, type ModelServerErrorCode } from "./errors.ts";
export { FAULT_KINDS, type FaultKind, type FaultRates, seededRandom } from "./faults.ts";
export { formatDuration } from "./rate-limit.ts";
export {
  type ModelServer,
  type ModelServerOptions,
  type ModelServerStats,
  STAND_IN_NOTICE,
  startModelServer,
} from "./server.ts";
export { DEFAULT_MAX_THEMES, MAX_THEMES_LIMIT, THEME_LEXICON, type ThemeEntry, themesFor } from "./themes.ts";
