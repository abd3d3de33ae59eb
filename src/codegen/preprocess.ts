/**
 * <name>_preprocess: the C of the preprocessing the model's dataset definition records
 * (src/data/preprocess.ts, applied per lead as the dataset builders apply it): millivolts at
 * the source rate -> linear resampling to the model's rate -> zero padding -> z-score over the
 * signal part. The C computes in double exactly where the reference does (the reference's
 * z-score accumulates in float64, resampling interpolates in float64) and rounds to float
 * where it stores float32, with a correctly rounded square root in integer arithmetic (no
 * libm), so its bits equal the reference's. <name>_mv turns ADC counts into millivolts as the
 * WFDB reader does: (adc - baseline) / gain.
 */
import type { ModelData } from '../data/model-data.js';
import { preprocessWindow } from '../data/preprocess.js';
import { cKernel } from '../ops/lowering.js';
import { template } from './templates.js';

/** What <name>_preprocess calls (templates/preprocess.c.hbs). */
export const ZSCORE_F32 = cKernel('ecgc_zscore_f32', 'ecgc_preprocess.c');

export interface PreprocessSpec {
  leads: number;
  /** Samples per lead the caller passes: millivolts at the source rate. */
  rawSamples: number;
  sourceRate: number;
  /** Samples per lead after resampling (z-scored), then zero-padded to inputLength. */
  signalSamples: number;
  inputLength: number;
  resample: { from: number; to: number } | null;
  /** The z-score's epsilon, or null when the model takes millivolts as they are. */
  epsilon: number | null;
}

/** The preprocessing of a model whose input is [1, leads, length] (or [1, length]), or null when the definition does not describe that input. */
export function preprocessSpec(data: ModelData, inputShape: number[]): PreprocessSpec | null {
  const [leads, inputLength] = inputShape.length === 3 ? [inputShape[1], inputShape[2]] : inputShape.length === 2 ? [1, inputShape[1]] : [0, 0];
  const { preprocessing: p, window } = data;
  const padded = p.padTo ?? window.samples;
  if (leads !== data.leads.length || inputLength !== padded) return null;
  const resample = p.resample;
  const rawSamples = resample ? Math.round(window.seconds * resample.from) : p.padTo ? Math.round(window.seconds * data.samplingRate) : window.samples;
  const signalSamples = resample ? Math.floor((rawSamples * resample.to) / resample.from) : rawSamples;
  if (signalSamples > inputLength || !Number.isInteger(rawSamples) || rawSamples < 1) return null;
  return { leads, rawSamples, sourceRate: resample?.from ?? data.samplingRate, signalSamples, inputLength, resample, epsilon: p.normalize?.epsilon ?? null };
}

/** The reference's preprocessing of one window, raw [leads * rawSamples] -> input [leads * inputLength]: the dataset builders' own, lead by lead. */
export function preprocessReference(spec: PreprocessSpec, raw: Float32Array): Float32Array {
  const preprocessing = { resample: spec.resample, normalize: spec.epsilon === null ? null : { kind: 'zscore' as const, epsilon: spec.epsilon } };
  const input = new Float32Array(spec.leads * spec.inputLength);
  for (let lead = 0; lead < spec.leads; lead++) {
    input.set(preprocessWindow(raw.subarray(lead * spec.rawSamples, (lead + 1) * spec.rawSamples), preprocessing, spec.inputLength), lead * spec.inputLength);
  }
  return input;
}

/** What the header says <name>_preprocess does. */
export function preprocessSteps(spec: PreprocessSpec): string {
  return [
    spec.resample ? `linear resampling from ${spec.resample.from} Hz to ${spec.resample.to} Hz (${spec.rawSamples} -> ${spec.signalSamples} samples)` : '',
    spec.inputLength > spec.signalSamples ? `zero padding to ${spec.inputLength} samples` : '',
    spec.epsilon === null ? 'no normalisation (millivolts as they are)' : `z-score over the ${spec.signalSamples} signal samples, (x - mean) / (std + ${spec.epsilon})`,
  ].filter(Boolean).join(', then ');
}

/** <name>_preprocess.c. Doubles are printed as JS prints them: the shortest text that reads back as the same double. */
export function preprocessSource(spec: PreprocessSpec, name: string, header: { version: string; source: string }): string {
  const double = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));
  return template('preprocess.c.hbs')({
    ...header, name, NAME: name.toUpperCase(), ...spec,
    resample: spec.resample ? { from: double(spec.resample.from), to: double(spec.resample.to) } : false,
    epsilon: spec.epsilon === null ? false : double(spec.epsilon),
  });
}
