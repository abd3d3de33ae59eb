/**
 * CPSC 2018 12-lead windows: the first 10 s of each record (500 Hz, 5,000 samples), in mV,
 * each lead z-scored, zero-padded to 5,120; labelled with the record's first diagnosis.
 * 150 records are too few to train on: the split 'all' serves 12-lead import and evaluation.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fail } from '../errors.js';
import type { Dataset } from './dataset.js';
import { DATASET_SCHEMA } from './dataset.js';
import { type Preprocessing, ZSCORE_EPSILON, zscore } from './preprocess.js';
import { readCpscRecord } from './wfdb/index.js';

export const CPSC_CLASSES = ['Normal', 'AF', 'I-AVB', 'LBBB', 'RBBB', 'PAC', 'PVC', 'STD', 'STE'];
/** Header '#Dx:' abbreviations as the 2020 WFDB repackaging writes them. */
const ALIASES: Record<string, string> = { NORM: 'Normal', SNR: 'Normal', IAVB: 'I-AVB', PVC: 'PVC', VEB: 'PVC', PAC: 'PAC', APC: 'PAC' };
const SAMPLES = 5000;
const INPUT = 5120;

export function buildCpscDataset(dir: string, split: string): Dataset {
  if (split !== 'all') fail(`task cpsc2018 has the split 'all' (150 records are too few to train on); got '${split}'`);
  if (!existsSync(dir)) fail(`${dir}: data directory not found (CPSC 2018 is in ../shared/data/cpsc2018)`);
  const records = readdirSync(dir).filter((f) => f.endsWith('.mat')).map((f) => f.slice(0, -4)).sort();
  if (records.length === 0) fail(`${dir}: no CPSC records (.mat files)`);
  const windows: Float32Array[] = [];
  const labels: number[] = [];
  let leads: string[] = [];
  for (const name of records) {
    const { header, signals, labels: diagnoses } = readCpscRecord(dir, name);
    if (header.sampleCount < SAMPLES) fail(`${dir}/${name}.hea: ${header.sampleCount} samples, fewer than 10 s`);
    const label = CPSC_CLASSES.indexOf(ALIASES[diagnoses[0]] ?? diagnoses[0]);
    if (label < 0) fail(`${dir}/${name}.hea: diagnosis '${diagnoses[0]}' is not one of ${CPSC_CLASSES.join(', ')}`);
    leads = header.signals.map((s) => s.description);
    const window = new Float32Array(signals.length * INPUT);
    signals.forEach((adc, lead) => {
      const spec = header.signals[lead];
      const mv = new Float32Array(SAMPLES);
      for (let i = 0; i < SAMPLES; i++) mv[i] = (adc[i] - spec.baseline) / spec.gain;
      zscore(mv);
      window.set(mv, lead * INPUT);
    });
    windows.push(window);
    labels.push(label);
  }
  const x = new Float32Array(windows.length * windows[0].length);
  windows.forEach((w, i) => x.set(w, i * w.length));
  const y = Int32Array.from(labels);
  const preprocessing: Preprocessing = { units: 'mV', resample: null, normalize: { kind: 'zscore', epsilon: ZSCORE_EPSILON }, padTo: INPUT };
  return {
    x,
    shape: [windows.length, leads.length, INPUT],
    y,
    meta: {
      schema: DATASET_SCHEMA,
      task: 'cpsc2018',
      split,
      classes: CPSC_CLASSES,
      samplingRate: 500,
      window: { samples: INPUT, seconds: 10 },
      leads,
      preprocessing,
      records,
      counts: Object.fromEntries(CPSC_CLASSES.map((c, i) => [c, labels.filter((v) => v === i).length])),
      source: dir,
      howMade: 'CPSC 2018: first 10 s of every record, 12 leads, each lead z-scored, zero-padded to 5,120; label = first diagnosis in the header (records may have up to 3).',
    },
  };
}
