/**
 * The beat model under real electrode noise (examples/common/noise-table.ts) on every 4th beat of
 * MIT-BIH DS2 (12,423 beats: a quarter keeps the test suite's time): S and V sensitivity and positive predictivity and the accuracy, for the float model and its
 * shipped plan. The RR features stay the annotations' (the noise is in the windows only; with
 * the detector in the loop, see examples/ecg-patch). Writes noise.json beside the model (npm
 * test recomputes it):
 *
 *   npx tsx examples/patch-beats/noise.ts ../shared/data
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classificationMetrics } from '../../src/compress/metrics.js';
import type { Dataset } from '../../src/data/dataset.js';
import { buildDataset } from '../../src/data/tasks.js';
import { type NoiseRow as Row, noiseTable as table } from '../common/noise-table.js';

export interface BeatFigures {
  accuracy: number;
  sSensitivity: number;
  sPositivePredictivity: number;
  vSensitivity: number;
  vPositivePredictivity: number;
}
export type NoiseRow = Row<BeatFigures>;

/** Every `step`th window of `data`, with its further inputs. */
function everyNth(data: Dataset, step: number): Dataset {
  const keep = Array.from({ length: Math.ceil(data.shape[0] / step) }, (_, k) => k * step);
  const rows = (values: Float32Array) => {
    const width = values.length / data.shape[0];
    const out = new Float32Array(keep.length * width);
    keep.forEach((w, k) => out.set(values.subarray(w * width, (w + 1) * width), k * width));
    return out;
  };
  return { ...data, x: rows(data.x), shape: [keep.length, data.shape[1], data.shape[2]], y: Int32Array.from(keep, (w) => data.y[w]), more: data.more?.map(rows) };
}

export function noiseTable(sharedData: string): Promise<NoiseRow[]> {
  const clean = everyNth(buildDataset(join(sharedData, 'mitdb'), 'beats-aami', 'ds2-test'), 4);
  return table(import.meta.dirname, clean, sharedData, (data, predicted) => {
    const metrics = classificationMetrics(data.y, predicted, data.meta.classes);
    const [s, v] = ['S', 'V'].map((name) => metrics.perClass[data.meta.classes.indexOf(name)]);
    return { accuracy: metrics.accuracy, sSensitivity: s.recall, sPositivePredictivity: s.precision, vSensitivity: v.recall, vPositivePredictivity: v.precision };
  });
}

if (process.argv[1] === import.meta.filename) {
  const rows = await noiseTable(process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data'));
  writeFileSync(join(import.meta.dirname, 'noise.json'), JSON.stringify(rows, null, 2) + '\n');
  const pct = (v: number) => (100 * v).toFixed(1);
  for (const r of rows) {
    const f = (name: string) => {
      const x = r.figures[name];
      return `${pct(x.sSensitivity)} / ${pct(x.sPositivePredictivity)} | ${pct(x.vSensitivity)} / ${pct(x.vPositivePredictivity)} | ${pct(x.accuracy)}`;
    };
    console.log(`| ${r.noise ?? 'none'} | ${r.snrDb ?? ''} | ${f('model.onnx')} | ${f('plan.json')} |`);
  }
}
