/** Where the real data is, and the rule for tests that need it: run when present, never skip under CI. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SHARED_DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');
export const MITDB = join(SHARED_DATA, 'mitdb');
export const CPSC = join(SHARED_DATA, 'cpsc2018');
export const CINC2017 = join(SHARED_DATA, 'cinc2017');
export const SVDB = join(SHARED_DATA, 'svdb');
export const NSTDB = join(SHARED_DATA, 'nstdb');

export function hasData(dir: string, what: string): boolean {
  if (existsSync(dir)) return true;
  if (process.env.CI === 'true') throw new Error(`${dir} is missing: CI must have ../shared/data (${what})`);
  console.warn(`SKIPPING ${what}: ${dir} does not exist`);
  return false;
}
