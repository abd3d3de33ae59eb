/**
 * Beat datasets from MIT-BIH lead MLII: one window per annotated beat, 256 samples at
 * 360 Hz with the R peak at sample 90 (250 ms before it covers the P wave, 461 ms after
 * it the T wave), in mV, z-scored per window.
 *
 * beats-nlrav (ArrhythmiaVision): Normal, LBBB, RBBB, APC, PVC. Splits random-* (stratified
 * by beat, 80/10/10, as that paper does) and record-* (no record in two parts).
 * beats-aami (AAMI EC57): N, S, V, F, Q, de Chazal's inter-patient split: ds1-train and
 * ds1-val (a stratified 10% of DS1's beats) from DS1, ds2-test from DS2; the paced records
 * 102, 104, 107 and 217 are left out. Its split 'all' takes every record of any beat-annotated
 * WFDB folder (svdb, or another), resampled to the patch's 360 Hz when recorded at another rate.
 * beats-aami also writes each beat's RR features (rrFeatures) as a second input, 'rr'.
 */
import { fail } from '../errors.js';
import type { Dataset } from './dataset.js';
import { DATASET_SCHEMA } from './dataset.js';
import { beatLead, listRecords } from './mitdb.js';
import { PATCH_SAMPLING_RATE, type Preprocessing, ZSCORE_EPSILON, resampleLinear, zscore } from './preprocess.js';
import { type Part, PARTS, recordSplit, stratifiedSplit } from './splits.js';
import { physical, readAnnotations, readRecord } from './wfdb/index.js';

export const BEAT_WINDOW = { before: 90, samples: 256 };
const SPLIT_SEED = 2024;

interface BeatTask {
  classes: string[];
  /** MIT-BIH beat symbol -> class index. */
  classOf: Record<string, number>;
}

export const BEAT_TASKS: Record<'beats-nlrav' | 'beats-aami', BeatTask> = {
  'beats-nlrav': { classes: ['N', 'L', 'R', 'A', 'V'], classOf: { N: 0, L: 1, R: 2, A: 3, V: 4 } },
  'beats-aami': {
    classes: ['N', 'S', 'V', 'F', 'Q'],
    classOf: { N: 0, L: 0, R: 0, e: 0, j: 0, A: 1, a: 1, J: 1, S: 1, V: 2, E: 2, F: 3, '/': 4, f: 4, Q: 4 },
  },
};

export const DS1 = ['101', '106', '108', '109', '112', '114', '115', '116', '118', '119', '122', '124', '201', '203', '205', '207', '208', '209', '215', '220', '223', '230'];
export const DS2 = ['100', '103', '105', '111', '113', '117', '121', '123', '200', '202', '210', '212', '213', '214', '219', '221', '222', '228', '231', '232', '233', '234'];

export const BEAT_SPLITS: Record<keyof typeof BEAT_TASKS, string[]> = {
  'beats-nlrav': PARTS.flatMap((p) => [`random-${p}`, `record-${p}`]),
  'beats-aami': ['ds1-train', 'ds1-val', 'ds2-test', 'all'],
};

/** The window of the beat whose R peak is at `rPeak` (z-scored millivolts), or undefined where it would cross the record's ends. */
export function beatWindow(mv: Float32Array, rPeak: number): Float32Array | undefined {
  const start = rPeak - BEAT_WINDOW.before;
  if (start < 0 || start + BEAT_WINDOW.samples > mv.length) return undefined;
  const window = mv.slice(start, start + BEAT_WINDOW.samples);
  zscore(window);
  return window;
}

/**
 * What cardiologists read an S beat by: its RR intervals (seconds) and their ratios. The local
 * mean is over the RR_LOCAL intervals up to this beat (fewer at a record's start), so that a
 * device knows it when the next beat arrives; 'next' waits for that beat. The long mean is the
 * patient's own rhythm (de Chazal et al. average RR over 5 minutes; a device looks only back):
 * an exponential mean of every beat's previous interval, weight RR_LONG_WEIGHT. A record's first
 * beat takes its next interval for the previous one (and both means), its last beat its previous
 * interval for the next one.
 */
export const RR_FEATURES = ['previous RR (s)', 'next RR (s)', 'local mean RR (s)', 'previous / local', 'next / local', 'previous / next', 'previous / long', 'next / long', 'local / long'];
export const RR_LOCAL = 10;
export const RR_LONG_WEIGHT = 1 / 64;

/**
 * The RR features of beat `i` of `peaks` (R peaks, in samples at `rate`; at least two), given the
 * long mean up to the previous beat (`long`, undefined for the record's first beat); returns the
 * features and this beat's long mean, to hand to the next beat. In float32: each interval and
 * local mean one rounding of an exact quotient, the long mean long + (previous - long) / 64, each
 * ratio one float32 division, so that a device computing `(float)samples / (float)(rate * n)`
 * gets the same bits.
 */
export function rrFeatures(peaks: ArrayLike<number>, i: number, rate: number, long: number | undefined): { features: Float32Array; long: number } {
  const f = Math.fround;
  const seconds = (from: number, to: number) => f((peaks[to] - peaks[from]) / (rate * (to - from)));
  const previous = i > 0 ? seconds(i - 1, i) : seconds(0, 1);
  const next = i + 1 < peaks.length ? seconds(i, i + 1) : previous;
  const local = i > 0 ? seconds(Math.max(0, i - RR_LOCAL), i) : previous;
  const mean = long === undefined ? previous : f(long + f(previous - long) * RR_LONG_WEIGHT);
  const features = Float32Array.from([previous, next, local, f(previous / local), f(next / local), f(previous / next), f(previous / mean), f(next / mean), f(local / mean)]);
  return { features, long: mean };
}

/** MIT-BIH's beat annotation codes (the rest are rhythm, noise and comment annotations): every beat a detector should find. */
export const BEAT_CODES = new Set(['N', 'L', 'R', 'B', 'A', 'a', 'J', 'S', 'V', 'r', 'F', 'e', 'j', 'n', 'E', '/', 'f', 'Q', '?']);

interface BeatWindows {
  records: string[];
  /** The records' sampling rates (before resampling to the patch's) and the leads read. */
  rates: Set<number>;
  leads: Set<string>;
  /** Per window: its record and class. */
  record: string[];
  label: number[];
  windows: Float32Array[];
  rr: Float32Array[];
}

function extractBeats(dir: string, task: BeatTask, records: string[]): BeatWindows {
  const out: BeatWindows = { records: [], rates: new Set(), leads: new Set(), record: [], label: [], windows: [], rr: [] };
  for (const name of records) {
    const record = readRecord(dir, name);
    const channel = beatLead(record);
    if (channel === undefined) continue; // MIT-BIH 102 and 104 have no MLII lead
    out.records.push(name);
    const rate = record.header.samplingRate;
    out.rates.add(rate);
    out.leads.add(record.header.signals[channel].description);
    const mv = resampleLinear(physical(record, channel), rate, PATCH_SAMPLING_RATE);
    const beats = readAnnotations(dir, name).filter((a) => BEAT_CODES.has(a.code));
    if (beats.length < 2) continue; // no RR interval (MIT-BIH's and SVDB's records hold thousands of beats)
    const peaks = beats.map((beat) => Math.round((beat.sample * PATCH_SAMPLING_RATE) / rate));
    let long: number | undefined;
    beats.forEach((beat, i) => {
      const rr = rrFeatures(peaks, i, PATCH_SAMPLING_RATE, long);
      long = rr.long;
      const label = task.classOf[beat.code];
      const window = label === undefined ? undefined : beatWindow(mv, peaks[i]);
      if (label === undefined || window === undefined) return;
      out.windows.push(window);
      out.rr.push(rr.features);
      out.record.push(name);
      out.label.push(label);
    });
  }
  return out;
}

export function buildBeatDataset(dir: string, taskName: keyof typeof BEAT_TASKS, split: string): Dataset {
  const task = BEAT_TASKS[taskName];
  if (!BEAT_SPLITS[taskName].includes(split)) fail(`task ${taskName} has splits ${BEAT_SPLITS[taskName].join(', ')}; got '${split}'`);
  const [scheme, part] = split.split('-') as [string, Part];
  const all = listRecords(dir);
  const records = scheme === 'ds1' ? DS1 : scheme === 'ds2' ? DS2 : all;
  const missing = records.filter((r) => !all.includes(r));
  if (missing.length > 0) fail(`${dir}: records ${missing.join(', ')} are missing (split ${split} is made of MIT-BIH Arrhythmia records; for another folder, use the split 'all')`);
  const beats = extractBeats(dir, task, records);
  const labels = Int32Array.from(beats.label);

  let keep: boolean[];
  let howSplit: string;
  if (scheme === 'random' || scheme === 'ds1') {
    const fractions = scheme === 'random' ? { val: 0.1, test: 0.1 } : { val: 0.1, test: 0 };
    const parts = stratifiedSplit(labels, task.classes.length, fractions, SPLIT_SEED);
    keep = parts.map((p) => p === part);
    howSplit = `stratified by beat within each class (seeded shuffle, seed ${SPLIT_SEED}): ${scheme === 'random' ? '80/10/10 train/val/test' : '90/10 train/val of DS1'}`;
  } else if (scheme === 'record') {
    const counts = new Map<string, number[]>(beats.records.map((r) => [r, task.classes.map(() => 0)]));
    beats.record.forEach((r, i) => counts.get(r)![beats.label[i]]++);
    const assignment = recordSplit(counts, task.classes, { val: 0.15, test: 0.2 });
    keep = beats.record.map((r) => assignment.get(r) === part);
    howSplit = `by record (no record in two parts), greedy from the rarest class, aiming at 65/15/20 train/val/test of each class's beats; ${part} records: ${[...assignment].filter(([, p]) => p === part).map(([r]) => r).join(' ')}`;
  } else {
    keep = beats.record.map(() => true);
    howSplit = scheme === 'ds2' ? "de Chazal et al.'s inter-patient DS2, all beats" : 'every record of the folder, all beats';
  }

  const chosen = beats.windows.filter((_, i) => keep[i]);
  const y = Int32Array.from(labels.filter((_, i) => keep[i]));
  const x = new Float32Array(chosen.length * BEAT_WINDOW.samples);
  chosen.forEach((w, i) => x.set(w, i * BEAT_WINDOW.samples));
  const rr = new Float32Array(chosen.length * RR_FEATURES.length);
  beats.rr.filter((_, i) => keep[i]).forEach((r, i) => rr.set(r, i * RR_FEATURES.length));
  const counts = Object.fromEntries(task.classes.map((c, i) => [c, y.filter((v) => v === i).length]));
  const empty = task.classes.filter((c) => counts[c] === 0);
  // A whole folder may lack a class (its figures then say so); a training split may not.
  if (empty.length > 0 && scheme !== 'all') fail(`${dir}: split ${split} of ${taskName} has no windows for class(es) ${empty.join(', ')}`);
  const rates = [...beats.rates];
  const resample = rates.length === 1 && rates[0] !== PATCH_SAMPLING_RATE ? { from: rates[0], to: PATCH_SAMPLING_RATE } : null;
  if (rates.length > 1) fail(`${dir}: records at ${rates.join(' and ')} Hz; a dataset takes one folder at one rate`);
  const preprocessing: Preprocessing = { units: 'mV', resample, normalize: { kind: 'zscore', epsilon: ZSCORE_EPSILON }, padTo: null };
  return {
    x,
    shape: [chosen.length, 1, BEAT_WINDOW.samples],
    y,
    ...(taskName === 'beats-aami' ? { more: [rr] } : {}),
    meta: {
      schema: DATASET_SCHEMA,
      task: taskName,
      split,
      classes: task.classes,
      samplingRate: PATCH_SAMPLING_RATE,
      window: { samples: BEAT_WINDOW.samples, rPeakAt: BEAT_WINDOW.before, seconds: BEAT_WINDOW.samples / PATCH_SAMPLING_RATE },
      leads: [[...beats.leads].join(' or ')],
      preprocessing,
      ...(taskName === 'beats-aami' ? { inputs: [{ name: 'rr', shape: [RR_FEATURES.length], description: `the beat's RR intervals from the annotated beats (every beat type): ${RR_FEATURES.join(', ')}; the local mean over the ${RR_LOCAL} intervals up to the beat, the long mean an exponential mean of the previous intervals (weight ${RR_LONG_WEIGHT}); a record's first beat takes its next interval for the previous one, its last its previous for the next` }] } : {}),
      records: [...new Set(beats.record.filter((_, i) => keep[i]))],
      counts,
      source: dir,
      howMade: `${scheme === 'all' ? `${dir}, lead MLII (ECG1 where the record names no MLII: SVDB); records with neither are left out` : `MIT-BIH lead MLII (records without it, 102 and 104, are left out${taskName === 'beats-aami' ? '; paced records 102, 104, 107, 217 are in neither DS1 nor DS2' : ''})`}${resample ? `; resampled ${resample.from} -> ${resample.to} Hz by linear interpolation, annotations moved to the nearest sample` : ''}; one window per annotated beat of classes ${JSON.stringify(task.classOf)}, R peak at sample ${BEAT_WINDOW.before}; windows that would cross the record's ends are dropped; split ${howSplit}.`,
    },
  };
}
