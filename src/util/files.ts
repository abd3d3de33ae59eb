import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fail } from '../errors.js';

/**
 * Writes next to the destination, then renames: a failed or interrupted write never leaves
 * a partial file under the final name.
 */
export function writeFileAtomic(file: string, content: Uint8Array | string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (e) {
    rmSync(temporary, { force: true });
    fail(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** The file's bytes, or an error naming the file and the reason (ENOENT, EISDIR, ...). */
export function readFileOrFail(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    fail(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
