/**
 * The compression tests' model and data: test/compress-fixture/beatnet.onnx, a small beat
 * classifier trained on synthetic ECG (make_beatnet.py), and labelled synthetic windows for it,
 * so the tests measure real accuracy without ../shared/data.
 */
import { join } from 'node:path';
import { type Dataset, writeDataset } from '../../src/data/dataset.js';
import { modelData } from '../../src/data/model-data.js';
import { syntheticWindows } from '../../src/data/synthetic-windows.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';

export const BEATNET = join(import.meta.dirname, '..', 'compress-fixture', 'beatnet.onnx');

export function loadBeatnet(): Graph {
  return loadModel(BEATNET);
}

/** `count` labelled synthetic beats for beatnet (seed: which beats). */
export function beatnetDataset(count: number, seed: number): Dataset {
  const graph = loadBeatnet();
  const data = modelData(graph, BEATNET)!;
  const w = syntheticWindows([1, 256], data, count, seed);
  return {
    x: w.x,
    shape: w.shape,
    y: w.labels!,
    meta: { schema: 'ecgc.dataset/1', ...data, split: `synthetic-${seed}`, records: [], counts: {}, source: 'synthetic', howMade: w.description },
  };
}

export function writeBeatnetDataset(dir: string, count: number, seed: number): string {
  writeDataset(dir, beatnetDataset(count, seed));
  return dir;
}
