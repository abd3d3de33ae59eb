/**
 * The AF model under real electrode noise: the CinC 2017 test split with NSTDB's baseline
 * wander (`bw`) and muscle artefact (`ma`) added at 24, 12, 6 and 0 dB SNR, scored as
 * `ecgc data --noise <record> --snr <dB>` then `ecgc eval [--plan plan.json]` score it, for the
 * float model and its shipped plan. Writes noise.json beside the model (npm test recomputes it):
 *
 *   npx tsx examples/patch-rhythm/noise.ts ../shared/data
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argmaxRows, classificationMetrics, taskScore } from '../../src/compress/metrics.js';
import { applyPlan, readPlan } from '../../src/plan/plan.js';
import { addNoise } from '../../src/data/noise.js';
import type { Dataset } from '../../src/data/dataset.js';
import { buildDataset } from '../../src/data/tasks.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { BatchRunner } from '../../src/ref/parallel.js';

export const NOISES = ['bw', 'ma'];
export const SNRS = [24, 12, 6, 0];

export interface NoiseRow {
  noise: string | null;
  snrDb: number | null;
  /** Per model (model.onnx, plan.json): the challenge score, AF sensitivity, and the share of windows called noisy. */
  figures: Record<string, { challengeF1: number; afSensitivity: number; calledNoisy: number }>;
}

async function score(graph: Graph, data: Dataset) {
  const runner = new BatchRunner(graph, 2);
  try {
    const predicted = argmaxRows(await runner.run(data.x, data.shape[0]), data.meta.classes.length);
    const metrics = classificationMetrics(data.y, predicted, data.meta.classes);
    const noisy = data.meta.classes.indexOf('noisy');
    return {
      challengeF1: taskScore(data.meta.task, metrics)!.value,
      afSensitivity: metrics.perClass[data.meta.classes.indexOf('af')].recall,
      calledNoisy: predicted.filter((p) => p === noisy).length / predicted.length,
    };
  } finally {
    await runner.close();
  }
}

/** The table's rows: clean first, then each noise at each SNR. */
export async function noiseTable(sharedData: string): Promise<NoiseRow[]> {
  const dir = import.meta.dirname;
  const model = loadModel(join(dir, 'model.onnx'));
  const models: Record<string, Graph> = {
    'model.onnx': model,
    'plan.json': applyPlan(model, readPlan(join(dir, 'plan.json'), model, readFileSync(join(dir, 'model.onnx')))),
  };
  const clean = buildDataset(join(sharedData, 'cinc2017'), 'cinc2017', 'test');
  const rows: NoiseRow[] = [];
  const measure = async (noise: string | null, snrDb: number | null, data: Dataset) => {
    const figures: NoiseRow['figures'] = {};
    for (const [name, graph] of Object.entries(models)) figures[name] = await score(graph, data);
    rows.push({ noise, snrDb, figures });
  };
  await measure(null, null, clean);
  for (const noise of NOISES) for (const snrDb of SNRS) await measure(noise, snrDb, addNoise(clean, { record: join(sharedData, 'nstdb', noise), snrDb }));
  return rows;
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
