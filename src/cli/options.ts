import { fail } from '../errors.js';
import { defaultThreads } from '../ref/parallel.js';

/** --threads: a positive integer, by default up to 2 (the cores this kind of machine has). */
export function parseThreads(value: string | undefined): number {
  if (value === undefined) return defaultThreads();
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) fail(`--threads must be a positive integer, got '${value}'`);
  return threads;
}
