/** The built command line (dist/cli/main.js: `npx tsc -p .` first; `npm test` does), run from the repository root. */
import { join } from 'node:path';
import { execa } from 'execa';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** What a test may change about ecgc's process: its environment (the only one with extendEnv false). */
export interface CliOptions {
  env?: Record<string, string>;
  extendEnv?: boolean;
}

/**
 * `ecgc <args>`: never rejects; look at exitCode, stdout and stderr. Node is this process's own
 * executable, so a test can hide tools from ecgc with a PATH that lacks node too.
 */
export function ecgc(args: string[], options: CliOptions = {}) {
  return execa(process.execPath, [CLI, ...args], { reject: false, cwd: ROOT, ...options });
}

/** ecgc with PATH = `path` and no other environment: a machine where only what `path` holds is installed. */
export function onlyPath(path: string): CliOptions {
  return { env: { PATH: path }, extendEnv: false };
}
