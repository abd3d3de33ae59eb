/**
 * Model inputs cut from synthetic ECG (synthetic.ts), for when a user has no recordings:
 * demos, calibration, and tests that must not need ../shared/data. With the model's dataset
 * definition (model-data.ts) the windows follow it: beat windows around each synthetic R
 * peak, labelled with the beat's class, or rhythm-length windows of sinus rhythm; the
 * preprocessing (z-score or none, zero padding) is the dataset's. Without one, consecutive windows
 * at 360 Hz fill the model's input. A single synthetic lead is copied to every input channel
 * (every position of the axes before time).
 */
import type { ModelData } from './model-data.js';
import { ZSCORE_EPSILON, zscore } from './preprocess.js';
import { type BeatKind, syntheticEcg } from './synthetic.js';

export interface WindowSet {
  x: Float32Array;
  shape: [number, number, number];
  /** Class index of each window where the synthetic annotation maps to one of the model's classes, else -1. */
  labels?: Int32Array;
  description: string;
}

/** AAMI EC57 grouping of the synthetic beat kinds. */
const AAMI: Record<BeatKind, string> = { N: 'N', L: 'N', R: 'N', A: 'S', V: 'V' };

function classIndex(kind: BeatKind, classes: string[]): number {
  const direct = classes.indexOf(kind);
  return direct >= 0 ? direct : classes.indexOf(AAMI[kind]);
}

export function syntheticWindows(sampleShape: number[], data: ModelData | undefined, count: number, seed = 1): WindowSet {
  // The last axis is time; the others hold the leads ([C, T]; a Conv2d model's [1, leads, T] or [leads, 1, T]).
  const length = sampleShape[sampleShape.length - 1];
  const channels = sampleShape.slice(0, -1).reduce((p, d) => p * d, 1);
  const normalize = data ? data.preprocessing.normalize : { kind: 'zscore', epsilon: ZSCORE_EPSILON };
  const rate = data?.preprocessing.resample?.to ?? data?.samplingRate ?? 360;
  const x = new Float32Array(count * channels * length);
  const put = (n: number, window: Float32Array) => {
    if (normalize) zscore(window, normalize.epsilon);
    for (let c = 0; c < channels; c++) x.set(window, (n * channels + c) * length);
  };

  if (data?.window.rPeakAt !== undefined) {
    // Beats from three recordings (normal, LBBB and RBBB morphology, with APCs and PVCs), interleaved.
    const before = data.window.rPeakAt;
    const samples = Math.min(data.window.samples, length);
    const recordings = (['N', 'L', 'R'] as const).map((morphology, i) =>
      syntheticEcg({ seconds: Math.ceil(count / 3) + 8, samplingRate: rate, morphology, ectopic: { apc: 0.1, pvc: 0.1 }, seed: seed + i }),
    );
    const beats = recordings.map((r) => r.beats.filter((b) => b.sample - before >= 0 && b.sample - before + samples <= r.signal.length));
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      const r = n % 3;
      const beat = beats[r][Math.floor(n / 3)];
      put(n, recordings[r].signal.slice(beat.sample - before, beat.sample - before + samples));
      labels[n] = classIndex(beat.kind, data.classes);
    }
    return { x, shape: [count, channels, length], labels, description: `${count} synthetic beats (ECGSYN-style; normal, LBBB and RBBB recordings with 10% APCs and 10% PVCs) at ${rate} Hz, R peak at sample ${before}` };
  }

  const samples = Math.min(length, Math.round((data?.window.seconds ?? length / rate) * rate));
  const ecg = syntheticEcg({ seconds: (count * samples) / rate + 1, samplingRate: rate, seed });
  for (let n = 0; n < count; n++) put(n, ecg.signal.slice(n * samples, (n + 1) * samples));
  const sinus = data?.classes.indexOf('sinus') ?? -1;
  return {
    x,
    shape: [count, channels, length],
    labels: sinus >= 0 ? new Int32Array(count).fill(sinus) : undefined,
    description: `${count} synthetic windows of ${samples} samples (ECGSYN-style sinus rhythm) at ${rate} Hz${samples < length ? `, zero-padded to ${length}` : ''}`,
  };
}
