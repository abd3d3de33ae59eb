/**
 * examples/patch-rhythm under real electrode noise: noise.json (the card's noise table) is what
 * the float model and its shipped plan score on the CinC 2017 test split with NSTDB noise added,
 * recomputed here exactly; noise may lower the figures, but a drowned window comes out `noisy`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type NoiseRow, noiseTable } from '../../examples/patch-rhythm/noise.js';
import { CINC2017, NSTDB, SHARED_DATA, hasData } from '../helpers/data.js';
import { EXAMPLES } from '../helpers/examples.js';

const data = hasData(CINC2017, 'the AF model under noise') && hasData(NSTDB, 'the AF model under noise');

describe.skipIf(!data)('the AF model under electrode noise (CinC 2017 test + NSTDB bw, ma)', () => {
  it('reproduces noise.json, holds at 24 dB and calls more windows noisy as the noise grows', async () => {
    const rows = await noiseTable(SHARED_DATA);
    const shipped = JSON.parse(readFileSync(join(EXAMPLES, 'patch-rhythm', 'noise.json'), 'utf8')) as NoiseRow[];
    expect(rows).toEqual(shipped);
    const clean = rows[0].figures;
    for (const name of ['model.onnx', 'plan.json']) {
      for (const noise of ['bw', 'ma']) {
        const at = (snr: number) => rows.find((r) => r.noise === noise && r.snrDb === snr)!.figures[name];
        expect(clean[name].challengeF1 - at(24).challengeF1, `${name} ${noise} 24 dB`).toBeLessThan(0.03);
        expect(at(0).calledNoisy, `${name} ${noise} 0 dB`).toBeGreaterThan(clean[name].calledNoisy);
      }
    }
  }, 300_000);
});
