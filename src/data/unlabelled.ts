/**
 * Unlabelled ECG for self-supervised pretraining: every lead of every record of one of the
 * databases in ../shared/data, cut into consecutive 10-s windows at the patch's 360 Hz in mV
 * (not normalised, as the patch's models take them; the rest shorter than a window dropped).
 * The database is told by its files: single-lead .mat records are CinC 2017, 12-lead ones CPSC
 * 2018, .hea/.dat records MIT-BIH style (mitdb, svdb, nstdb).
 *
 * Split 'pretrain' leaves out the records a labelled task holds out of the same folder for
 * validation and test (cinc2017's val and test; in a 360-Hz MIT-BIH folder with rhythm
 * annotations, rhythm's record-val and record-test), so that a model pretrained on it and
 * fine-tuned on those tasks has never seen their held-out inputs. Split 'all' keeps every record.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fail } from '../errors.js';
import { cinc2017Records, readCincRecord } from './cinc2017.js';
import type { Dataset } from './dataset.js';
import { DATASET_SCHEMA } from './dataset.js';
import { listRecords } from './mitdb.js';
import { PATCH_SAMPLING_RATE, type Preprocessing, resampleLinear } from './preprocess.js';
import { buildRhythmDataset } from './rhythm.js';
import { type RecordHeader, physical, readAnnotations, readCpscRecord, readHeader, readRecord } from './wfdb/index.js';

export const UNLABELLED_SPLITS = ['pretrain', 'all'];
export const UNLABELLED_SECONDS = 10;

type Database = 'cinc2017' | 'cpsc2018' | 'mit-bih';

interface LeadSource {
  record: string;
  header: RecordHeader;
  /** Each lead in mV at the record's rate. */
  leads: Float32Array[];
}

function databaseOf(dir: string): Database {
  if (!existsSync(dir)) fail(`${dir}: data directory not found (the databases are in ../shared/data)`);
  const files = readdirSync(dir);
  const mat = files.find((f) => f.endsWith('.mat'));
  if (mat !== undefined) return readHeader(dir, mat.slice(0, -4)).signalCount === 1 ? 'cinc2017' : 'cpsc2018';
  if (files.some((f) => f.endsWith('.dat'))) return 'mit-bih';
  fail(`${dir}: no ECG records found (.mat records of CinC 2017 or CPSC 2018, or WFDB .hea/.dat records)`);
}

/** The records of `dir` a labelled task holds out for validation and test. */
function heldOut(dir: string, database: Database, records: string[]): Set<string> {
  if (database === 'cinc2017') {
    const { records: all, parts } = cinc2017Records(dir);
    return new Set(all.filter((_, i) => parts[i] !== 'train'));
  }
  if (database !== 'mit-bih') return new Set();
  const rhythmAnnotated = readHeader(dir, records[0]).samplingRate === 360 && readAnnotations(dir, records[0]).some((a) => a.code === '+' && a.aux.startsWith('('));
  if (!rhythmAnnotated) return new Set();
  return new Set(['record-val', 'record-test'].flatMap((s) => buildRhythmDataset(dir, s, 'rhythm-stream').meta.records));
}

function recordNames(dir: string, database: Database): string[] {
  if (database === 'mit-bih') return listRecords(dir);
  return readdirSync(dir).filter((f) => f.endsWith('.mat')).map((f) => f.slice(0, -4)).sort();
}

function readLeads(dir: string, database: Database, record: string): LeadSource {
  if (database === 'mit-bih') {
    const wfdb = readRecord(dir, record);
    return { record, header: wfdb.header, leads: wfdb.header.signals.map((_, c) => physical(wfdb, c)) };
  }
  const { header, signals } = database === 'cinc2017' ? readCincRecord(dir, record) : readCpscRecord(dir, record);
  return { record, header, leads: signals.map((adc, c) => Float32Array.from(adc, (v) => (v - header.signals[c].baseline) / header.signals[c].gain)) };
}

export function buildUnlabelledDataset(dir: string, split: string): Dataset {
  if (!UNLABELLED_SPLITS.includes(split)) fail(`task unlabelled has splits ${UNLABELLED_SPLITS.join(', ')}; got '${split}'`);
  const database = databaseOf(dir);
  const all = recordNames(dir, database);
  const excluded = split === 'pretrain' ? heldOut(dir, database, all) : new Set<string>();
  const records = all.filter((r) => !excluded.has(r));
  const samples = UNLABELLED_SECONDS * PATCH_SAMPLING_RATE;
  const windows: Float32Array[] = [];
  const rates = new Set<number>();
  const leadNames = new Set<string>();
  let seconds = 0;
  for (const name of records) {
    const { header, leads } = readLeads(dir, database, name);
    rates.add(header.samplingRate);
    leads.forEach((mv, c) => {
      leadNames.add(header.signals[c].description);
      const signal = resampleLinear(mv, header.samplingRate, PATCH_SAMPLING_RATE);
      for (let start = 0; start + samples <= signal.length; start += samples) windows.push(signal.slice(start, start + samples));
      seconds += mv.length / header.samplingRate;
    });
  }
  if (windows.length === 0) fail(`${dir}: no record of split ${split} is ${UNLABELLED_SECONDS} s long`);
  const x = new Float32Array(windows.length * samples);
  windows.forEach((w, i) => x.set(w, i * samples));
  const from = [...rates].sort((a, b) => a - b);
  const preprocessing: Preprocessing = { units: 'mV', resample: from.length === 1 && from[0] === PATCH_SAMPLING_RATE ? null : { from: from[0], to: PATCH_SAMPLING_RATE }, normalize: null, padTo: null };
  return {
    x,
    shape: [windows.length, 1, samples],
    y: new Int32Array(windows.length).fill(-1),
    meta: {
      schema: DATASET_SCHEMA,
      task: 'unlabelled',
      split,
      classes: [],
      samplingRate: PATCH_SAMPLING_RATE,
      window: { samples, seconds: UNLABELLED_SECONDS },
      leads: [...leadNames],
      preprocessing,
      records,
      counts: {},
      source: dir,
      howMade:
        `${database === 'mit-bih' ? 'MIT-BIH-style WFDB' : database === 'cinc2017' ? 'PhysioNet/CinC 2017' : 'CPSC 2018'} records (${records.length} of ${all.length}), ` +
        `every lead (${(seconds / 3600).toFixed(1)} lead-hours) at ${from.join('/')} Hz in mV, linearly resampled to ${PATCH_SAMPLING_RATE} Hz, ` +
        `cut into consecutive ${UNLABELLED_SECONDS}-s windows (the rest of each lead dropped), not normalised, without labels (y = -1); ` +
        (excluded.size > 0
          ? `left out: the ${excluded.size} records the ${database === 'cinc2017' ? 'cinc2017 task holds out (val, test)' : 'rhythm tasks hold out (record-val, record-test)'}.`
          : 'no record of this folder is held out by a labelled task.'),
    },
  };
}
