/** Helpers for MIT-BIH-style WFDB folders (mitdb, svdb, nstdb): record list and the beat lead. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import type { WfdbRecord } from './wfdb/index.js';

export function listRecords(dir: string): string[] {
  if (!existsSync(dir)) fail(`${dir}: data directory not found (the MIT-BIH databases are in ../shared/data: mitdb, svdb, nstdb)`);
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

/**
 * The lead a beat model reads: MLII, or in SVDB, which does not name its leads, ECG1 (its first,
 * a modified limb lead like MLII in most records); undefined when the record has neither.
 */
export function beatLead(record: WfdbRecord): number | undefined {
  const index = record.header.signals.findIndex((s) => s.description === 'MLII' || s.description === 'ECG1');
  return index < 0 ? undefined : index;
}
