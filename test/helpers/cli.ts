/** The built command line (dist/cli/main.js: `npx tsc -p .` first; `npm test` does), run from the repository root. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';

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

/** What ecgc's writers leave beside their outputs while they write (*.tmp-<pid>, *.old-<pid>) found in `dir`. */
export function strays(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.(tmp|old)-\d+$/.test(f));
}

/** A refusal as ecgc gives one: exit 1, one line on stderr matching `message`, no stack trace. */
export function expectOneLine(result: { exitCode?: number; stderr: string }, message: RegExp): void {
  expect(result.exitCode).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
}
