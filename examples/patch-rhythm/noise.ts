/**
 * The AF model under real electrode noise (examples/common/noise-table.ts) on the CinC 2017
 * test split: the challenge score, AF sensitivity and the share of windows called noisy, for the
 * float model and its shipped plan. Writes noise.json beside the model (npm test recomputes it):
 *
 *   npx tsx examples/patch-rhythm/noise.ts ../shared/data
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classificationMetrics, taskScore } from '../../src/compress/metrics.js';
import { buildDataset } from '../../src/data/tasks.js';
import { type NoiseRow as Row, noiseTable as table } from '../common/noise-table.js';

export interface RhythmFigures {
  challengeF1: number;
  afSensitivity: number;
  calledNoisy: number;
}
export type NoiseRow = Row<RhythmFigures>;

export function noiseTable(sharedData: string): Promise<NoiseRow[]> {
  const clean = buildDataset(join(sharedData, 'cinc2017'), 'cinc2017', 'test');
  return table(import.meta.dirname, clean, sharedData, (data, predicted) => {
    const metrics = classificationMetrics(data.y, predicted, data.meta.classes);
    const noisy = data.meta.classes.indexOf('noisy');
    return {
      challengeF1: taskScore(data.meta.task, metrics)!.value,
      afSensitivity: metrics.perClass[data.meta.classes.indexOf('af')].recall,
      calledNoisy: predicted.filter((p) => p === noisy).length / predicted.length,
    };
  });
}

if (process.argv[1] === import.meta.filename) {
  const rows = await noiseTable(process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data'));
  writeFileSync(join(import.meta.dirname, 'noise.json'), JSON.stringify(rows, null, 2) + '\n');
  const pct = (v: number) => (100 * v).toFixed(2);
  for (const r of rows) {
    const f = (name: string) => `${pct(r.figures[name].challengeF1)} | ${pct(r.figures[name].afSensitivity)} | ${pct(r.figures[name].calledNoisy)}`;
    console.log(`| ${r.noise ?? 'none'} | ${r.snrDb ?? ''} | ${f('model.onnx')} | ${f('plan.json')} |`);
  }
}
