/**
 * The beat model with the firmware's detector in the loop (examples/ecg-patch/ec57.ts) on every
 * MIT-BIH DS2 record: detected beats, not annotated ones, EC57's way, for the float model and
 * its shipped plans (float32 and int8 activations) as the firmware runs them. Writes detected.json beside the model (npm test
 * recomputes it):
 *
 *   npx tsx examples/patch-beats/detected.ts ../shared/data
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DS2 } from '../../src/data/beats.js';
import { type DetectedBeatFigures, detectedBeatFigures } from '../ecg-patch/ec57.js';
import { deployed } from '../ecg-patch/pipeline.js';

/** What detected.json has a row for: the float model, and each shipped plan as the firmware runs it. */
export const DETECTED_MODELS = ['model.onnx', 'plan.json', 'plan-int8.json'] as const;

/** One row of detected.json: `name` (the model, or a plan of it) on every DS2 record, detector in the loop. */
export function detectedRow(sharedData: string, name: (typeof DETECTED_MODELS)[number]): Promise<DetectedBeatFigures> {
  const dir = import.meta.dirname;
  const model = join(dir, 'model.onnx');
  return detectedBeatFigures(deployed(model, 'beat', name === 'model.onnx' ? undefined : join(dir, name)), join(sharedData, 'mitdb'), DS2);
}

export async function detectedTable(sharedData: string): Promise<Record<string, DetectedBeatFigures>> {
  const table: Record<string, DetectedBeatFigures> = {};
  for (const name of DETECTED_MODELS) table[name] = await detectedRow(sharedData, name);
  return table;
}

if (process.argv[1] === import.meta.filename) {
  const table = await detectedTable(process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data'));
  writeFileSync(join(import.meta.dirname, 'detected.json'), JSON.stringify(table, null, 2) + '\n');
  const pct = (v: number) => (100 * v).toFixed(1);
  for (const [name, f] of Object.entries(table)) {
    console.log(`${name}: ${f.perClass.map((c) => `${c.name} Se ${pct(c.sensitivity)} +P ${pct(c.positivePredictivity)}`).join('; ')}; accuracy ${pct(f.accuracy)}; detector ${f.detector.beats} beats, ${f.detector.missed} missed, ${f.detector.extra} extra`);
  }
}
