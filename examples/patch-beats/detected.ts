/**
 * The beat model with the firmware's detector in the loop (examples/ecg-patch/ec57.ts) on every
 * MIT-BIH DS2 record: detected beats, not annotated ones, EC57's way, for the float model and
 * its shipped plan as the firmware runs them. Writes detected.json beside the model (npm test
 * recomputes it):
 *
 *   npx tsx examples/patch-beats/detected.ts ../shared/data
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DS2 } from '../../src/data/beats.js';
import { type DetectedBeatFigures, detectedBeatFigures } from '../ecg-patch/ec57.js';
import { deployed } from '../ecg-patch/pipeline.js';

export function detectedTable(sharedData: string): Record<string, DetectedBeatFigures> {
  const dir = import.meta.dirname;
  const model = join(dir, 'model.onnx');
  return {
    'model.onnx': detectedBeatFigures(deployed(model, 'beat'), join(sharedData, 'mitdb'), DS2),
    'plan.json': detectedBeatFigures(deployed(model, 'beat', join(dir, 'plan.json')), join(sharedData, 'mitdb'), DS2),
  };
}

if (process.argv[1] === import.meta.filename) {
  const table = detectedTable(process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data'));
  writeFileSync(join(import.meta.dirname, 'detected.json'), JSON.stringify(table, null, 2) + '\n');
  const pct = (v: number) => (100 * v).toFixed(1);
  for (const [name, f] of Object.entries(table)) {
    console.log(`${name}: ${f.perClass.map((c) => `${c.name} Se ${pct(c.sensitivity)} +P ${pct(c.positivePredictivity)}`).join('; ')}; accuracy ${pct(f.accuracy)}; detector ${f.detector.beats} beats, ${f.detector.missed} missed, ${f.detector.extra} extra`);
  }
}
