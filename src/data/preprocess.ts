/**
 * Preprocessing that belongs to a dataset's definition: the firmware must apply the same
 * to raw ADC input, so each step is simple, exactly specified and recorded in meta.json.
 */

export interface Preprocessing {
  /** ADC units to millivolts: (adc - baseline) / gain, from the record's header. */
  units: 'mV';
  /** Linear interpolation from the record's rate to the dataset's rate (none when equal). */
  resample: { from: number; to: number } | null;
  /**
   * Per window: subtract the mean, divide by the standard deviation (plus epsilon); or null,
   * none (millivolts as they are), for a model that takes samples as they arrive.
   */
  normalize: { kind: 'zscore'; epsilon: number } | null;
  /** Zeros appended after the signal to reach the model's input length. */
  padTo: number | null;
}

export const ZSCORE_EPSILON = 1e-3;

/**
 * The ECG patch's sampling rate, one for both of its models: MIT-BIH's, at which its QRS
 * detector is designed and checked; CinC 2017 (300 Hz) and SVDB (128 Hz) are resampled to it.
 */
export const PATCH_SAMPLING_RATE = 360;

/**
 * In place: x = (x - mean) / (std + epsilon), mean and variance accumulated in float64
 * over the window (<name>_preprocess computes the same in C, bit for bit).
 */
export function zscore(x: Float32Array, epsilon = ZSCORE_EPSILON): void {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i] - mean) * (x[i] - mean);
  const scale = 1 / (Math.sqrt(squares / x.length) + epsilon);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) * scale;
}

/** Linear interpolation of `signal` (rate `from`) at rate `to`, output length floor(n * to / from). */
export function resampleLinear(signal: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return signal;
  const out = new Float32Array(Math.floor((signal.length * to) / from));
  const step = from / to;
  for (let i = 0; i < out.length; i++) {
    const position = i * step;
    const left = Math.floor(position);
    const right = Math.min(left + 1, signal.length - 1);
    const fraction = position - left;
    out[i] = signal[left] * (1 - fraction) + signal[right] * fraction;
  }
  return out;
}

/**
 * One lead's window as the dataset's preprocessing makes it from millivolts at the source rate:
 * resampled, zero-padded to `inputLength`, z-scored over the signal part.
 */
export function preprocessWindow(mv: Float32Array, preprocessing: Pick<Preprocessing, 'resample' | 'normalize'>, inputLength: number): Float32Array {
  const { resample, normalize } = preprocessing;
  const signal = resample ? resampleLinear(mv, resample.from, resample.to) : mv;
  const window = new Float32Array(inputLength);
  window.set(signal);
  if (normalize) zscore(window.subarray(0, signal.length), normalize.epsilon);
  return window;
}
