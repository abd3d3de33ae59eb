/**
 * WFDB records stored as MATLAB v4 files, as PhysioNet's challenges publish them: `<record>.mat`
 * holds one matrix 'val' (leads x samples, int16; the file is also WFDB format 16 with a 24-byte
 * offset) beside a WFDB header `<record>.hea`. CPSC 2018 (repackaged for the CinC Challenge 2020)
 * lists its diagnoses in a '#Dx:' comment; CinC 2017 keeps its labels in REFERENCE.csv.
 */
import { join } from 'node:path';
import { fail } from '../../errors.js';
import { readFileOrFail } from '../../util/files.js';
import { readHeader, type RecordHeader } from './header.js';
import { decodeMat4 } from './mat4.js';
import { type Tolerated, verifySignals } from './signal.js';

export interface MatRecord {
  header: RecordHeader;
  /** ADC units (µV in CPSC 2018), one array per lead. */
  signals: Int16Array[];
  /** What the header got wrong and `tolerated` accepted (see verifySignals). */
  accepted: string[];
}

export interface CpscRecord extends MatRecord {
  /** The '#Dx:' abbreviations, e.g. ['AF', 'RBBB']. */
  labels: string[];
}

/** The comma-separated abbreviations of the header's 'Dx:' comment, or undefined if it has none. */
export function diagnosisLabels(header: RecordHeader): string[] | undefined {
  const line = header.comments.find((c) => /^Dx\s*:/.test(c));
  if (line === undefined) return undefined;
  return line
    .slice(line.indexOf(':') + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Reads `<dir>/<record>.mat` (matrix 'val') and `<dir>/<record>.hea` and checks that they agree
 * (lead count, length, first samples, checksums, save what `tolerated` accepts).
 */
export function readMatRecord(dir: string, record: string, tolerated: Tolerated = {}): MatRecord {
  const parsed = readHeader(dir, record);
  const headerFile = join(dir, `${record}.hea`);
  const file = join(dir, `${record}.mat`);
  const matrices = decodeMat4(readFileOrFail(file), file);
  const val = matrices.find((m) => m.name === 'val');
  if (val === undefined) {
    fail(`${file} (record ${record}): no matrix named 'val' (found: ${matrices.map((m) => `'${m.name}'`).join(', ')})`);
  }
  if (val.rows !== parsed.signalCount) {
    fail(
      `${file} (record ${record}): matrix 'val' has ${val.rows} rows (leads) but ${headerFile} declares ` +
        `${parsed.signalCount} signals`,
    );
  }
  const sampleCount = parsed.sampleCount === 0 ? val.cols : parsed.sampleCount;
  if (val.cols !== sampleCount) {
    fail(
      `${file} (record ${record}): matrix 'val' has ${val.cols} columns (samples) but ${headerFile} ` +
        `promises ${sampleCount} samples`,
    );
  }
  const header: RecordHeader = { ...parsed, sampleCount };

  const rows = val.rows;
  const data = val.data;
  const signals: Int16Array[] = [];
  for (let r = 0; r < rows; r++) {
    const lead = new Int16Array(sampleCount);
    for (let c = 0, k = r; c < sampleCount; c++, k += rows) {
      const v = data[k];
      if (v !== (v << 16) >> 16) {
        fail(`${file} (record ${record}): matrix 'val' element (${r + 1}, ${c + 1}) = ${v} is not a 16-bit integer`);
      }
      lead[c] = v;
    }
    signals.push(lead);
  }
  return { header, signals, accepted: verifySignals(header, signals, () => file, tolerated) };
}

/** A CPSC 2018 record (checked strictly) and its '#Dx:' labels. */
export function readCpscRecord(dir: string, record: string): CpscRecord {
  const { header, signals, accepted } = readMatRecord(dir, record);
  const headerFile = join(dir, `${record}.hea`);
  const labels = diagnosisLabels(header);
  if (labels === undefined || labels.length === 0) {
    fail(`${headerFile} (record ${record}): no '#Dx:' comment line with diagnosis labels`);
  }
  return { header, signals, accepted, labels };
}
