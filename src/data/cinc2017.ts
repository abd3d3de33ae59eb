/**
 * The PhysioNet/CinC Challenge 2017 records (AliveCor, one lead, 300 Hz, 9-61 s) as the patch
 * sees them: one example per record, its first 30 s resampled to the patch's rate, in mV as the
 * ADC gives them (no normalisation: the rhythm model takes samples as they arrive), records
 * shorter than 30 s zero-padded to the window, as the firmware pads a window when the recording
 * stops. Labels from REFERENCE.csv: N normal, A AF, O other rhythm, ~ noisy. Splits stratified
 * by class over records: 70/10/20 train/val/test, and 'all'.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import type { Dataset } from './dataset.js';
import { DATASET_SCHEMA } from './dataset.js';
import { PATCH_SAMPLING_RATE, type Preprocessing, resampleLinear } from './preprocess.js';
import { type Part, PARTS, stratifiedSplit } from './splits.js';
import { type MatRecord, readMatRecord } from './wfdb/index.js';

export const CINC2017_CLASSES = ['normal', 'af', 'other', 'noisy'];
const LABELS: Record<string, number> = { N: 0, A: 1, O: 2, '~': 3 };
export const CINC2017_SECONDS = 30;
export const CINC2017_SPLITS = [...PARTS, 'all'];
const SPLIT_SEED = 2017;

/** A CinC 2017 record as published: its headers' checksum 0 and initial values unlike the first sample accepted (wfdb checks neither). */
export function readCincRecord(dir: string, record: string): MatRecord {
  return readMatRecord(dir, record, { zeroChecksum: true, initialValue: true });
}

/** REFERENCE.csv: `record,label` lines, as published. */
function readReference(dir: string): Map<string, number> {
  const file = join(dir, 'REFERENCE.csv');
  if (!existsSync(dir)) fail(`${dir}: data directory not found (CinC 2017 is in ../shared/data/cinc2017)`);
  if (!existsSync(file)) fail(`${file}: not found; a CinC 2017 folder holds REFERENCE.csv beside the records`);
  const labels = new Map<string, number>();
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const [record, label] = line.split(',').map((s) => s.trim());
      if (LABELS[label] === undefined) fail(`${file}:${i + 1}: label '${label}' is not one of N, A, O, ~`);
      labels.set(record, LABELS[label]);
    });
  return labels;
}

/** The records present (this copy holds 8,228 of the 8,528), in REFERENCE.csv's order, their labels and parts. */
export function cinc2017Records(dir: string): { records: string[]; labels: Int32Array; parts: Part[] } {
  const reference = readReference(dir);
  const records = [...reference.keys()].filter((r) => existsSync(join(dir, `${r}.mat`)));
  if (records.length === 0) fail(`${dir}: none of REFERENCE.csv's records has a .mat file`);
  const labels = Int32Array.from(records, (r) => reference.get(r)!);
  return { records, labels, parts: stratifiedSplit(labels, CINC2017_CLASSES.length, { val: 0.1, test: 0.2 }, SPLIT_SEED) };
}

export function buildCinc2017Dataset(dir: string, split: string): Dataset {
  if (!CINC2017_SPLITS.includes(split)) fail(`task cinc2017 has splits ${CINC2017_SPLITS.join(', ')}; got '${split}'`);
  const { records, labels, parts } = cinc2017Records(dir);
  const chosen = records.map((_, i) => i).filter((i) => split === 'all' || parts[i] === split);

  const samples = CINC2017_SECONDS * PATCH_SAMPLING_RATE;
  const x = new Float32Array(chosen.length * samples);
  const accepted = new Map<string, number>();
  let padded = 0;
  let rate = 0;
  chosen.forEach((index, n) => {
    const { header, signals, accepted: faults } = readCincRecord(dir, records[index]);
    if (header.signalCount !== 1) fail(`${join(dir, records[index])}.hea: ${header.signalCount} signals; CinC 2017 records have one lead`);
    if (rate !== 0 && header.samplingRate !== rate) fail(`${join(dir, records[index])}.hea: ${header.samplingRate} Hz, where the records before it are at ${rate} Hz`);
    rate = header.samplingRate;
    for (const fault of faults) accepted.set(fault, (accepted.get(fault) ?? 0) + 1);
    const { gain, baseline } = header.signals[0];
    const head = signals[0].subarray(0, Math.round(CINC2017_SECONDS * rate));
    const mv = Float32Array.from(head, (v) => (v - baseline) / gain);
    const window = resampleLinear(mv, rate, PATCH_SAMPLING_RATE).subarray(0, samples);
    if (window.length < samples) padded++;
    x.set(window, n * samples);
  });
  const y = Int32Array.from(chosen, (i) => labels[i]);
  const preprocessing: Preprocessing = { units: 'mV', resample: { from: rate, to: PATCH_SAMPLING_RATE }, normalize: null, padTo: samples };
  const faults = [...accepted].map(([fault, n]) => `${n} with ${fault === 'checksum 0' ? 'checksum 0' : 'an initial value unlike the first sample'}`).join(', ');
  return {
    x,
    shape: [chosen.length, 1, samples],
    y,
    meta: {
      schema: DATASET_SCHEMA,
      task: 'cinc2017',
      split,
      classes: CINC2017_CLASSES,
      samplingRate: PATCH_SAMPLING_RATE,
      window: { samples, seconds: CINC2017_SECONDS },
      leads: ['I (AliveCor)'],
      preprocessing,
      records: chosen.map((i) => records[i]),
      counts: Object.fromEntries(CINC2017_CLASSES.map((c, k) => [c, y.filter((v) => v === k).length])),
      source: dir,
      howMade:
        `PhysioNet/CinC Challenge 2017, one example per record: its first ${CINC2017_SECONDS} s at ${rate} Hz in mV, linearly resampled to ${PATCH_SAMPLING_RATE} Hz, ` +
        `not normalised; ${padded} record(s) shorter than ${CINC2017_SECONDS} s zero-padded at the end; labels N/A/O/~ of REFERENCE.csv; ` +
        `headers accepted as published (wfdb checks neither): ${faults || 'none differed'}; ` +
        `split ${split === 'all' ? 'all records' : `stratified by class over records (seeded shuffle, seed ${SPLIT_SEED}): 70/10/20 train/val/test, no record in two parts; CinC gives no patient identity, so a patient may have records in two parts`}.`,
    },
  };
}
