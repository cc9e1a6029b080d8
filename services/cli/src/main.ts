#!/usr/bin/env node
/**
 * The `sluice` executable: `npx sluice <command>` from the repository (Node >= 22.18 runs this
 * TypeScript file directly). All behaviour lives in `commands.ts`; this file only binds the process.
 */
import { run } from "./commands.ts";

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
