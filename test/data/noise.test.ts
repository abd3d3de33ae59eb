/** Electrode noise added at a chosen SNR (src/data/noise.ts), with NSTDB's muscle-artefact record. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { DATASET_SCHEMA } from '../../src/data/dataset.js';
import { addNoise, qrsPeakToPeak } from '../../src/data/noise.js';
import { NSTDB, hasData } from '../helpers/data.js';

/** Two 4-s windows at 360 Hz: a 2 mV spike a second on a flat line (peak-to-peak 2 mV). */
function spikes(normalize: boolean): Dataset {
  const samples = 1440;
  const x = new Float32Array(2 * samples);
  for (let i = 0; i < x.length; i += 360) x[i + 100] = 2;
  return {
    x,
    shape: [2, 1, samples],
    y: Int32Array.from([0, 1]),
    meta: {
      schema: DATASET_SCHEMA,
      task: 'cinc2017',
      split: 'test',
      classes: ['a', 'b'],
      samplingRate: 360,
      window: { samples, seconds: 4 },
      leads: ['I'],
      preprocessing: { units: 'mV', resample: null, normalize: normalize ? { kind: 'zscore', epsilon: 1e-3 } : null, padTo: null },
      records: ['r1', 'r2'],
      counts: { a: 1, b: 1 },
      source: 'synthetic',
      howMade: 'spikes.',
    },
  };
}

describe('the QRS amplitude noise is scaled by', () => {
  it('the median of 1-s peak-to-peak ranges; a beat window (under a second) is one range', () => {
    const ramp = Float32Array.from({ length: 3 * 360 }, (_, i) => (i % 360) * (1 + Math.floor(i / 360)));
    expect(qrsPeakToPeak(ramp, 360)).toBe(2 * 359);
    const beat = new Float32Array(256);
    beat[90] = 1.5;
    beat[100] = -0.5;
    expect(qrsPeakToPeak(beat, 360)).toBe(2);
  });
});

describe.skipIf(!hasData(NSTDB, 'noise tests (NSTDB)'))('addNoise', () => {
  const ma = join(NSTDB, 'ma');

  it('adds noise whose power sits snr dB below (peak-to-peak)^2 / 8, a different stretch per window, the same on every run', () => {
    const clean = spikes(false);
    for (const snrDb of [24, 6, 0]) {
      const noisy = addNoise(clean, { record: ma, snrDb });
      const windows = [0, 1].map((w) => Float64Array.from(noisy.x.subarray(w * 1440, (w + 1) * 1440), (v, i) => v - clean.x[w * 1440 + i]));
      for (const added of windows) {
        const mean = added.reduce((a, b) => a + b, 0) / added.length;
        const power = added.reduce((a, b) => a + (b - mean) ** 2, 0) / added.length;
        // The stretch's own power varies about the record's: within a factor of 3 (4.8 dB) of the target.
        expect(Math.abs(10 * Math.log10(2 ** 2 / 8 / power) - snrDb)).toBeLessThan(4.8);
      }
      expect(windows[0].slice(0, 50)).not.toEqual(windows[1].slice(0, 50));
      expect(addNoise(clean, { record: ma, snrDb }).x).toEqual(noisy.x);
      expect(noisy.meta.noise).toEqual({ record: 'ma', snrDb });
      expect(noisy.meta.howMade).toContain(`at ${snrDb} dB SNR`);
    }
    expect(clean.x[100]).toBe(2); // the input is left as it was
  });

  it('z-scores again where the task z-scores', () => {
    const noisy = addNoise(spikes(true), { record: ma, snrDb: 6 });
    const w = noisy.x.subarray(0, 1440);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
  });

  it('refuses a missing noise record, naming it', () => {
    expect(() => addNoise(spikes(false), { record: join(NSTDB, 'none'), snrDb: 6 })).toThrow(/none\.hea/);
  });
});
