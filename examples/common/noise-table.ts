/**
 * A model and its shipped plan under real electrode noise: a test split with NSTDB's baseline
 * wander (`bw`) and muscle artefact (`ma`) added at 24, 12, 6 and 0 dB SNR, as
 * `ecgc data --noise <record> --snr <dB>` adds it, each condition scored by the example's own
 * figures (examples/patch-rhythm/noise.ts, examples/patch-beats/noise.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { argmaxRows } from '../../src/compress/metrics.js';
import { addNoise } from '../../src/data/noise.js';
import type { Dataset } from '../../src/data/dataset.js';
import { modelWindows } from '../../src/data/model-data.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { applyPlan, readPlan } from '../../src/plan/plan.js';
import { BatchRunner } from '../../src/ref/parallel.js';

export const NOISES = ['bw', 'ma'];
export const SNRS = [24, 12, 6, 0];

export interface NoiseRow<F> {
  noise: string | null;
  snrDb: number | null;
  /** Per model (model.onnx, plan.json): the example's figures. */
  figures: Record<string, F>;
}

/** Each window's predicted class (the reference on 2 threads). */
export async function predictClasses(graph: Graph, data: Dataset): Promise<Int32Array> {
  const runner = new BatchRunner(graph, 2);
  try {
    return argmaxRows(await runner.run(modelWindows(graph, 'the model', data.meta.source, data), data.shape[0]), data.meta.classes.length);
  } finally {
    await runner.close();
  }
}

/** The table's rows for `dir`'s model.onnx and plan.json on `clean`: clean first, then each noise at each SNR. */
export async function noiseTable<F>(dir: string, clean: Dataset, sharedData: string, score: (data: Dataset, predicted: Int32Array) => F): Promise<NoiseRow<F>[]> {
  const model = loadModel(join(dir, 'model.onnx'));
  const models: Record<string, Graph> = {
    'model.onnx': model,
    'plan.json': applyPlan(model, readPlan(join(dir, 'plan.json'), model, readFileSync(join(dir, 'model.onnx')))),
  };
  const rows: NoiseRow<F>[] = [];
  const measure = async (noise: string | null, snrDb: number | null, data: Dataset) => {
    const figures: Record<string, F> = {};
    for (const [name, graph] of Object.entries(models)) figures[name] = score(data, await predictClasses(graph, data));
    rows.push({ noise, snrDb, figures });
  };
  await measure(null, null, clean);
  for (const noise of NOISES) for (const snrDb of SNRS) await measure(noise, snrDb, addNoise(clean, { record: join(sharedData, 'nstdb', noise), snrDb }));
  return rows;
}
