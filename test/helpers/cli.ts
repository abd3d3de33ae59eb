/** The built command line (dist/cli/main.js: `npx tsc -p .` first; `npm test` does), run from the repository root. */
import { join } from 'node:path';
import { type Options, execa } from 'execa';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** `ecgc <args>`: never rejects; look at exitCode, stdout and stderr. */
export function ecgc(args: string[], options: Options = {}) {
  return execa('node', [CLI, ...args], { reject: false, cwd: ROOT, ...options });
}
