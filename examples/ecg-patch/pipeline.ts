/**
 * The TypeScript twin of the ECG-patch firmware (firmware/main.c): the same ADC file, the same
 * detector (qrs.ts), the same float32 preprocessing and the two models (beat and rhythm) run
 * by ecgc's reference interpreter on whole windows, printing the same lines. The firmware,
 * which pushes the samples into the models one at a time, is checked against these.
 *
 * ADC file: "ECGADC1\0", uint32 sampling rate, int32 ADC zero, float32 ADC units per mV,
 * uint32 sample count, then int16 samples, all little-endian.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generate } from '../../src/codegen/emit.js';
import { loadPlan } from '../../src/codegen/plan.js';
import { argmaxRows } from '../../src/compress/metrics.js';
import { RR_FEATURES, RR_LOCAL, rrFeatures } from '../../src/data/beats.js';
import { modelData } from '../../src/data/model-data.js';
import { mliiChannel } from '../../src/data/mitdb.js';
import { resampleLinear } from '../../src/data/preprocess.js';
import { readCincRecord } from '../../src/data/cinc2017.js';
import { readRecord } from '../../src/data/wfdb/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { compileGraph, runBatch } from '../../src/ref/interpreter.js';
import { QRS_SAMPLING_RATE_HZ, QrsDetector } from './qrs.js';

export const BEFORE_R = 90;
export const WINDOW = 256;
export const RING = 1024;
const PENDING = 8;
const ZSCORE_EPSILON = Math.fround(1e-3);
const MAGIC = 'ECGADC1\0';

export interface AdcRecord {
  samplingRate: number;
  /** ADC value of 0 mV. */
  zero: number;
  /** ADC units per mV (float32). */
  gain: number;
  samples: Int16Array;
}

/** Lead MLII of a MIT-BIH record (first `seconds` of it), in the units of its ADC. */
export function mitdbAdc(dir: string, name: string, seconds?: number): AdcRecord {
  const record = readRecord(dir, name);
  const channel = mliiChannel(record) ?? 0;
  const spec = record.header.signals[channel];
  const all = record.signals[channel];
  const samples = seconds === undefined ? all : all.slice(0, Math.min(all.length, Math.round(seconds * record.header.samplingRate)));
  return { samplingRate: record.header.samplingRate, zero: spec.baseline, gain: Math.fround(spec.gain), samples };
}

/**
 * A CinC 2017 record (AliveCor, 300 Hz) as the patch's front end would sample it: its ADC
 * counts linearly resampled to 360 Hz and rounded, 1000 units per mV (first `seconds`).
 */
export function cincAdc(dir: string, name: string, seconds?: number): AdcRecord {
  const { header, signals } = readCincRecord(dir, name);
  const all = signals[0];
  const head = seconds === undefined ? all : all.subarray(0, Math.min(all.length, Math.round(seconds * header.samplingRate)));
  const resampled = resampleLinear(Float32Array.from(head), header.samplingRate, QRS_SAMPLING_RATE_HZ);
  const spec = header.signals[0];
  return { samplingRate: QRS_SAMPLING_RATE_HZ, zero: spec.baseline, gain: Math.fround(spec.gain), samples: Int16Array.from(resampled, Math.round) };
}

export function encodeAdc(adc: AdcRecord): Uint8Array {
  const bytes = new Uint8Array(24 + 2 * adc.samples.length);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, adc.samplingRate, true);
  view.setInt32(12, adc.zero, true);
  view.setFloat32(16, adc.gain, true);
  view.setUint32(20, adc.samples.length, true);
  adc.samples.forEach((s, i) => view.setInt16(24 + 2 * i, s, true));
  return bytes;
}

export function writeAdc(file: string, adc: AdcRecord): void {
  writeFileSync(file, encodeAdc(adc));
}

export function readAdc(file: string): AdcRecord {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || bytes.subarray(0, 8).toString('latin1') !== MAGIC) throw new Error(`${file}: not an ECGADC1 file`);
  const count = view.getUint32(20, true);
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(24 + 2 * i, true);
  return { samplingRate: view.getUint32(8, true), zero: view.getInt32(12, true), gain: view.getFloat32(16, true), samples };
}

/** ADC units to millivolts, float32, as the firmware's millivolts(). */
function millivolts(sample: number, adc: AdcRecord): number {
  return Math.fround((sample - adc.zero) / adc.gain);
}

/** Millivolts and the per-window z-score, float32 in the firmware's order. */
export function preprocess(ring: Int16Array, start: number, adc: AdcRecord): Float32Array {
  const f = Math.fround;
  const w = new Float32Array(WINDOW);
  let sum = 0;
  for (let i = 0; i < WINDOW; i++) {
    w[i] = millivolts(ring[(start + i) & (RING - 1)], adc);
    sum = f(sum + w[i]);
  }
  const mean = f(sum / WINDOW);
  let squares = 0;
  for (let i = 0; i < WINDOW; i++) {
    const d = f(w[i] - mean);
    squares = f(squares + f(d * d));
  }
  const scale = f(1 / f(f(Math.sqrt(f(squares / WINDOW))) + ZSCORE_EPSILON));
  for (let i = 0; i < WINDOW; i++) w[i] = f(f(w[i] - mean) * scale);
  return w;
}

/** A model as the firmware runs it (generate(...).reference), with its class names and window. */
export interface PatchModel {
  graph: Graph;
  classes: string[];
  window: number;
  /** Whether it also takes each beat's RR features (a second input 'rr'). */
  rr: boolean;
}

/** The model as the firmware runs it, with a compression plan if any. */
export function deployed(file: string, name: string, plan?: string): PatchModel {
  const graph = loadModel(file);
  const data = modelData(graph, file);
  if (!data) throw new Error(`${file}: the model carries no dataset definition (class names, window)`);
  // the plan's graph: an int8 plan's runs on int8 activations
  const planned = plan ? loadPlan(plan, file, graph) : { graph, quantization: undefined };
  const rr = graph.inputs.length === 2 && graph.inputs[1] === 'rr' && graph.values.get('rr')!.shape.slice(1).join() === String(RR_FEATURES.length);
  if (graph.inputs.length > 1 && !rr) throw new Error(`${file}: the patch feeds a model its window and, as a second input 'rr', the ${RR_FEATURES.length} RR features; it takes ${graph.inputs.join(', ')}`);
  return {
    rr,
    graph: generate(planned.graph, file, { target: 'cortex-m4f', name, quantization: planned.quantization, schedule: 'stream' }).reference,
    classes: data.classes.map((c) => c.replace(/[^\x20-\x7e]/g, '?')),
    window: data.window.samples,
  };
}

export interface PatchRun {
  /** The firmware's lines, but for the stack peak it appends to the last. */
  lines: string[];
  beats: { r: number; label: number }[];
  /** Each rhythm window: its first sample and the class. */
  rhythms: { start: number; label: number }[];
}

/** Runs `model` on the windows (each all of its inputs); per window the best class and the float32 bits of its score. */
function decide(model: PatchModel, windows: Float32Array[]): { label: number; name: string; bits: string }[] {
  if (windows.length === 0) return [];
  const size = windows[0].length;
  const input = new Float32Array(windows.length * size);
  windows.forEach((w, i) => input.set(w, i * size));
  const scores = runBatch(compileGraph(model.graph), input, windows.length);
  const outputs = model.classes.length;
  return Array.from(argmaxRows(scores, outputs), (label, i) => {
    const bits = new Uint32Array(Float32Array.of(scores[i * outputs + label]).buffer)[0];
    return { label, name: model.classes[label], bits: `0x${bits.toString(16).padStart(8, '0')}` };
  });
}

const decision = (kind: string, sample: number, d: { name: string; bits: string }) =>
  `${kind} ${sample} ${Math.trunc((sample * 1000) / QRS_SAMPLING_RATE_HZ)} ms class ${d.name} score ${d.bits}`;

/** What the firmware prints for `adc`, with its beat and rhythm models (without a rhythm model: its beats alone). */
export function patchDecisions(beat: PatchModel, rhythm: PatchModel | undefined, adc: AdcRecord): PatchRun {
  if (adc.samplingRate !== QRS_SAMPLING_RATE_HZ) throw new Error(`the ADC record is sampled at ${adc.samplingRate} Hz; the detector runs at 360 Hz`);
  const rhythmLength = rhythm?.window ?? Infinity;
  const ring = new Int16Array(RING);
  const detector = new QrsDetector();
  let pending: number[] = [];
  let skipped = 0;
  // the last R peaks taken (classified or skipped) and the long mean RR, for the RR features
  const history: number[] = [];
  let long: number | undefined;
  const beatWindows: Float32Array[] = [];
  const rhythmWindows: Float32Array[] = [];
  // the order of the lines: per sample, its beats, then its rhythm window
  const order: ('beat' | 'rhythm')[] = [];
  const rs: number[] = [];
  let rhythmWindow = new Float32Array(rhythm ? rhythmLength : 0);
  /** The pending beats whose windows are in by sample n (and whose next beat is known, or at the end), as the firmware's take_beats. */
  const takeBeats = (n: number, end: boolean) => {
    let i = 0;
    for (; i < pending.length; i++) {
      const r = pending[i];
      const start = r - BEFORE_R;
      const next = pending[i + 1] as number | undefined;
      if (start + WINDOW - 1 > n || (beat.rr && next === undefined && !end)) break;
      if (beat.rr && next === undefined && history.length === 0) skipped++; // a lone beat has no RR interval
      else {
        // every beat moves the long mean on, a skipped one too
        const rr = beat.rr ? rrFeatures([...history, r, ...(next === undefined ? [] : [next])], history.length, QRS_SAMPLING_RATE_HZ, long) : undefined;
        if (rr) long = rr.long;
        if (start < 0 || start <= n - RING) skipped++;
        else {
          const window = preprocess(ring, start, adc);
          beatWindows.push(rr ? Float32Array.from([...window, ...rr.features]) : window);
          rs.push(r);
          order.push('beat');
        }
      }
      if (beat.rr) {
        history.push(r);
        if (history.length > RR_LOCAL) history.shift();
      }
    }
    pending = pending.slice(i);
  };
  adc.samples.forEach((sample, n) => {
    ring[n & (RING - 1)] = sample;
    for (const r of detector.push(sample)) {
      if (pending.length < PENDING) pending.push(r);
      else skipped++;
    }
    takeBeats(n, false);
    if (!rhythm) return;
    rhythmWindow[n % rhythmLength] = millivolts(sample, adc);
    if (n % rhythmLength === rhythmLength - 1) {
      rhythmWindows.push(rhythmWindow);
      rhythmWindow = new Float32Array(rhythmLength);
      order.push('rhythm');
    }
  });
  if (adc.samples.length > 0) takeBeats(adc.samples.length - 1, true);
  const beatDecisions = decide(beat, beatWindows);
  const rhythmDecisions = rhythm ? decide(rhythm, rhythmWindows) : [];
  const beatCounts = new Array<number>(beat.classes.length).fill(0);
  const rhythmCounts = new Array<number>(rhythm?.classes.length ?? 0).fill(0);
  const lines = [`ecg-patch: ${adc.samples.length} samples at 360 Hz`];
  let beatIndex = 0;
  let rhythmIndex = 0;
  for (const kind of order) {
    if (kind === 'beat') {
      const d = beatDecisions[beatIndex];
      beatCounts[d.label]++;
      lines.push(decision('beat', rs[beatIndex++], d));
    } else {
      const d = rhythmDecisions[rhythmIndex];
      rhythmCounts[d.label]++;
      lines.push(decision('rhythm', rhythmLength * rhythmIndex++, d));
    }
  }
  lines.push(
    `done: ${adc.samples.length} samples, ${rs.length} beats, ${skipped} skipped; per class ${beatCounts.join(' ')}; ` +
      `${rhythmWindows.length} rhythm windows; per class ${rhythmCounts.join(' ')}`,
  );
  return {
    lines,
    beats: rs.map((r, i) => ({ r, label: beatDecisions[i].label })),
    rhythms: rhythmDecisions.map((d, i) => ({ start: i * rhythmLength, label: d.label })),
  };
}
