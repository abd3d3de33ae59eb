/** MIT-BIH Arrhythmia Database helpers: record list and the MLII lead. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import type { WfdbRecord } from './wfdb/index.js';

export function listRecords(dir: string): string[] {
  if (!existsSync(dir)) fail(`${dir}: data directory not found (MIT-BIH is in ../shared/data/mitdb)`);
  const recordsFile = join(dir, 'RECORDS');
  const names = existsSync(recordsFile)
    ? readFileSync(recordsFile, 'utf8').split(/\s+/).filter(Boolean)
    : readdirSync(dir).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4));
  if (names.length === 0) fail(`${dir}: no WFDB records (no .hea files)`);
  return names.sort();
}

/** The channel recorded as MLII (channel 0 in 45 records, 1 in record 114, none in 102 and 104). */
export function mliiChannel(record: WfdbRecord): number | undefined {
  const index = record.header.signals.findIndex((s) => s.description === 'MLII');
  return index < 0 ? undefined : index;
}
