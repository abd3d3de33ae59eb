/**
 * Real electrode noise added to a dataset's windows at a chosen signal-to-noise ratio, as the
 * MIT-BIH Noise Stress Test Database's `nst` does: the signal's power is that of its QRS
 * complexes, (peak-to-peak amplitude)^2 / 8, and the noise (an NSTDB record: `bw` baseline
 * wander, `ma` muscle artefact) is scaled so that its power sits `snr` dB below. Each window
 * takes the noise of its own stretch of the record (seeded), so no two windows share noise.
 */
import { basename, dirname } from 'node:path';
import { fail } from '../errors.js';
import type { Dataset } from './dataset.js';
import { resampleLinear, zscore } from './preprocess.js';
import { seededRandom } from './splits.js';
import { physical, readRecord } from './wfdb/index.js';

export interface NoiseSpec {
  /** The noise record's path without extension, e.g. ../shared/data/nstdb/ma. */
  record: string;
  snrDb: number;
}

const NOISE_SEED = 118;

/**
 * The window's QRS amplitude: the median over its 1-s stretches of their peak-to-peak range
 * (an annotation-free estimate; a stretch holds about one beat). A window shorter than a
 * second (a beat's) is one stretch.
 */
export function qrsPeakToPeak(window: Float32Array, rate: number): number {
  const ranges: number[] = [];
  const stretch = Math.min(rate, window.length);
  for (let start = 0; start + stretch <= window.length; start += stretch) {
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i < start + stretch; i++) {
      low = Math.min(low, window[i]);
      high = Math.max(high, window[i]);
    }
    ranges.push(high - low);
  }
  if (ranges.length === 0) return 0;
  ranges.sort((a, b) => a - b);
  return ranges[Math.floor(ranges.length / 2)];
}

/** A copy of `dataset` with noise added to every lead of every window (z-scored again where the task z-scores). */
export function addNoise(dataset: Dataset, noise: NoiseSpec): Dataset {
  if (!Number.isFinite(noise.snrDb)) fail(`--snr must be a number of dB, got ${noise.snrDb}`);
  const record = readRecord(dirname(noise.record), basename(noise.record));
  const rate = dataset.meta.samplingRate;
  const source = resampleLinear(physical(record, 0), record.header.samplingRate, rate);
  let power = 0;
  let mean = 0;
  for (const v of source) mean += v / source.length;
  for (const v of source) power += (v - mean) ** 2 / source.length;
  if (!(power > 0)) fail(`${noise.record}: the noise record is flat (no power to scale)`);
  const [count, leads, samples] = dataset.shape;
  if (source.length < samples) fail(`${noise.record}: ${source.length} samples of noise at ${rate} Hz, shorter than a ${samples}-sample window`);

  const random = seededRandom(NOISE_SEED);
  const x = new Float32Array(dataset.x);
  const normalize = dataset.meta.preprocessing.normalize;
  for (let w = 0; w < count * leads; w++) {
    const window = x.subarray(w * samples, (w + 1) * samples);
    const signalPower = qrsPeakToPeak(window, rate) ** 2 / 8;
    const gain = Math.sqrt(signalPower / (power * 10 ** (noise.snrDb / 10)));
    const offset = Math.floor(random() * (source.length - samples));
    for (let i = 0; i < samples; i++) window[i] += gain * (source[offset + i] - mean);
    if (normalize) zscore(window, normalize.epsilon);
  }
  const name = basename(noise.record);
  return {
    ...dataset,
    x,
    meta: {
      ...dataset.meta,
      noise: { record: name, snrDb: noise.snrDb },
      howMade: `${dataset.meta.howMade} Then NSTDB noise '${name}' (channel 0, ${record.header.samplingRate} Hz${record.header.samplingRate === rate ? '' : ` resampled to ${rate}`}) added to every window at ${noise.snrDb} dB SNR (signal power (QRS peak-to-peak)^2 / 8, the median 1-s range of the window; a seeded stretch of the noise per window)${normalize ? ', then z-scored again' : ''}.`,
    },
  };
}
