/**
 * examples/patch-beats beyond its card (test/examples/models.test.ts checks that): the beat
 * model with the firmware's detector in the loop on every DS2 record (detected.json) and under
 * NSTDB electrode noise (noise.json), both recomputed here exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETECTED_MODELS, detectedRow } from '../../examples/patch-beats/detected.js';
import { type NoiseRow, noiseTable } from '../../examples/patch-beats/noise.js';
import { MITDB, NSTDB, SHARED_DATA, hasData } from '../helpers/data.js';
import { EXAMPLES } from '../helpers/examples.js';

const DIR = join(EXAMPLES, 'patch-beats');
const shipped = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

describe.skipIf(!hasData(MITDB, 'the beat model with the detector in the loop'))('the beat model with the detector in the loop (DS2)', () => {
  it('detected.json has a row for the model and each shipped plan', () => {
    expect(Object.keys(shipped('detected.json'))).toEqual([...DETECTED_MODELS]);
  });
  for (const name of DETECTED_MODELS) {
    it(`reproduces detected.json's ${name}: EC57 figures over detected beats, the detector missing under 1% of them`, async () => {
      const row = await detectedRow(SHARED_DATA, name);
      expect(row).toEqual(shipped('detected.json')[name]);
      const { beats, missed, extra } = row.detector;
      expect(missed / beats).toBeLessThan(0.01);
      expect(extra / beats).toBeLessThan(0.01);
    }, 300_000);
  }
});

describe.skipIf(!hasData(MITDB, 'the beat model under noise') || !hasData(NSTDB, 'the beat model under noise'))('the beat model under electrode noise (DS2 + NSTDB bw, ma)', () => {
  it('reproduces noise.json; baseline wander at 24 dB changes little, muscle artefact at 0 dB costs V sensitivity', async () => {
    const rows = await noiseTable(SHARED_DATA);
    expect(rows).toEqual(shipped('noise.json') as NoiseRow[]);
    const clean = rows[0].figures;
    for (const name of ['model.onnx', 'plan.json']) {
      const at = (noise: string, snr: number) => rows.find((r) => r.noise === noise && r.snrDb === snr)!.figures[name];
      expect(Math.abs(clean[name].vSensitivity - at('bw', 24).vSensitivity), `${name} bw 24 dB`).toBeLessThan(0.01);
      expect(at('ma', 0).vSensitivity, `${name} ma 0 dB`).toBeLessThan(clean[name].vSensitivity);
    }
  }, 600_000);
});
