/**
 * The rhythm datasets on MIT-BIH: 10-s windows of lead MLII, labelled with the rhythm
 * annotated over all of the window (windows where the rhythm changes are dropped), taken
 * every 5 s, and split by record.
 *   rhythm         the ResNet1D paper's setup: resampled from 360 to 500 Hz (5,000 samples),
 *                  z-scored, then zero-padded to 5,120.
 *   rhythm-stream  for a model that takes the samples as they arrive (the ECG patch's):
 *                  the record's 360 Hz (3,600 samples) in mV, not normalised, since a
 *                  per-window z-score needs the whole window before the first sample.
 *
 * Rhythm groups (MIT-BIH '+' annotations):
 *   sinus        (N
 *   af-flutter   (AFIB (AFL
 *   ventricular  (B (bigeminy) (T (trigeminy) (VT (IVR (VFL
 *   other        (SBR (SVTA (NOD (BII (AB (P (PREX and any other rhythm string
 */
import { fail } from '../errors.js';
import type { Dataset } from './dataset.js';
import { DATASET_SCHEMA } from './dataset.js';
import { listRecords, mliiChannel } from './mitdb.js';
import { type Preprocessing, ZSCORE_EPSILON, preprocessWindow } from './preprocess.js';
import { type Part, PARTS, recordSplit } from './splits.js';
import { type Annotation, physical, readAnnotations, readRecord } from './wfdb/index.js';

export const RHYTHM_CLASSES = ['sinus', 'af-flutter', 'ventricular', 'other'];
const GROUP: Record<string, number> = { '(N': 0, '(AFIB': 1, '(AFL': 1, '(B': 2, '(T': 2, '(VT': 2, '(IVR': 2, '(VFL': 2 };
const OTHER = 3;

export const RHYTHM_SPLITS = PARTS.map((p) => `record-${p}`);
const SOURCE_RATE = 360;
const SECONDS = 10;
const STRIDE_SECONDS = 5;
export const RHYTHM_INPUT = 5120;

interface RhythmVariant {
  rate: number;
  normalize: boolean;
  input: number;
}
export const RHYTHM_VARIANTS: Record<'rhythm' | 'rhythm-stream', RhythmVariant> = {
  rhythm: { rate: 500, normalize: true, input: RHYTHM_INPUT },
  'rhythm-stream': { rate: SOURCE_RATE, normalize: false, input: SECONDS * SOURCE_RATE },
};

/** [start, end) sample intervals of each rhythm, from the '+' annotations' aux strings. */
export function rhythmIntervals(annotations: Annotation[], length: number): { start: number; end: number; rhythm: string }[] {
  const changes = annotations.filter((a) => a.code === '+' && a.aux.startsWith('('));
  return changes.map((a, i) => ({ start: a.sample, end: changes[i + 1]?.sample ?? length, rhythm: a.aux.replace(/\0/g, '').trim() }));
}

export function buildRhythmDataset(dir: string, split: string, task: keyof typeof RHYTHM_VARIANTS = 'rhythm'): Dataset {
  if (!RHYTHM_SPLITS.includes(split)) fail(`task ${task} has splits ${RHYTHM_SPLITS.join(', ')}; got '${split}'`);
  const { rate, normalize, input } = RHYTHM_VARIANTS[task];
  const padded = input !== SECONDS * rate;
  const part = split.slice('record-'.length) as Part;
  const windowLength = SECONDS * SOURCE_RATE;
  const stride = STRIDE_SECONDS * SOURCE_RATE;
  const preprocessing: Preprocessing = {
    units: 'mV',
    resample: rate === SOURCE_RATE ? null : { from: SOURCE_RATE, to: rate },
    normalize: normalize ? { kind: 'zscore', epsilon: ZSCORE_EPSILON } : null,
    padTo: padded ? input : null,
  };
  const perRecord = new Map<string, { label: number; window: Float32Array }[]>();
  const rhythmsSeen = new Map<string, number>();
  for (const name of listRecords(dir)) {
    const record = readRecord(dir, name);
    const channel = mliiChannel(record);
    if (channel === undefined) continue;
    const mv = physical(record, channel);
    const windows = [];
    for (const interval of rhythmIntervals(readAnnotations(dir, name), mv.length)) {
      const label = GROUP[interval.rhythm] ?? OTHER;
      for (let start = interval.start; start + windowLength <= interval.end; start += stride) {
        windows.push({ label, window: preprocessWindow(mv.subarray(start, start + windowLength), preprocessing, input) });
        rhythmsSeen.set(interval.rhythm, (rhythmsSeen.get(interval.rhythm) ?? 0) + 1);
      }
    }
    perRecord.set(name, windows);
  }
  const counts = new Map([...perRecord].map(([r, ws]) => [r, RHYTHM_CLASSES.map((_, c) => ws.filter((w) => w.label === c).length)]));
  const assignment = recordSplit(counts, RHYTHM_CLASSES, { val: 0.15, test: 0.2 });
  const records = [...perRecord.keys()].filter((r) => assignment.get(r) === part);
  const chosen = records.flatMap((r) => perRecord.get(r)!);
  const x = new Float32Array(chosen.length * input);
  chosen.forEach((w, i) => x.set(w.window, i * input));
  const y = Int32Array.from(chosen, (w) => w.label);
  const classCounts = Object.fromEntries(RHYTHM_CLASSES.map((c, i) => [c, y.filter((v) => v === i).length]));
  const empty = RHYTHM_CLASSES.filter((c) => classCounts[c] === 0);
  if (empty.length > 0) fail(`${dir}: split ${split} of ${task} has no windows for class(es) ${empty.join(', ')}`);
  const made = [rate === SOURCE_RATE ? 'at 360 Hz' : `resampled to ${rate} Hz`, normalize ? 'z-scored' : 'in mV, not normalised', padded ? `zero-padded to ${input}` : ''];
  return {
    x,
    shape: [chosen.length, 1, input],
    y,
    meta: {
      schema: DATASET_SCHEMA,
      task,
      split,
      classes: RHYTHM_CLASSES,
      samplingRate: rate,
      window: { samples: input, seconds: SECONDS },
      leads: ['MLII'],
      preprocessing,
      records,
      counts: classCounts,
      source: dir,
      howMade: `MIT-BIH lead MLII, 10-s windows every ${STRIDE_SECONDS} s inside one annotated rhythm, ${made.filter(Boolean).join(', ')}. Groups: sinus = (N; af-flutter = (AFIB, (AFL; ventricular = (B, (T, (VT, (IVR, (VFL; other = everything else. Windows per rhythm string over all records: ${JSON.stringify(Object.fromEntries([...rhythmsSeen].sort()))}. Split by record (greedy from the rarest class, aiming at 65/15/20); ${part} records: ${records.join(' ')}.`,
    },
  };
}
