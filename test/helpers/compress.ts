/**
 * The compression tests' model and data: test/compress-fixture/beatnet.onnx, a small beat
 * classifier trained on synthetic ECG (make_beatnet.py), and labelled synthetic windows for it,
 * so the tests measure real accuracy without ../shared/data.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Evaluator } from '../../src/compress/evaluator.js';
import { SearchSpace } from '../../src/compress/search-space.js';
import type { MethodSpec, SearchSettings } from '../../src/compress/search.js';
import { type Dataset, writeDataset } from '../../src/data/dataset.js';
import { modelData } from '../../src/data/model-data.js';
import { syntheticWindows } from '../../src/data/synthetic-windows.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { findWeightLayers } from '../../src/plan/layers.js';

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

/**
 * beatnet, its layers, `count` labelled beats, and the Evaluator and SearchSpace a search
 * runs on: made before the calling file's tests, the evaluator's threads closed after them.
 */
export function beatnetSearch(count: number, seed: number) {
  const graph = loadBeatnet();
  const layers = findWeightLayers(graph);
  const data = beatnetDataset(count, seed);
  const search = { graph, layers, data, evaluator: undefined as unknown as Evaluator, space: undefined as unknown as SearchSpace };
  beforeAll(async () => {
    search.evaluator = await Evaluator.create(graph, layers, data.x, count, data.y, {});
    search.space = new SearchSpace(graph, layers, 0.5, 0.5);
  });
  afterAll(() => search.evaluator.close());
  return search;
}

/** A search's settings as the command line's defaults have them, with `extra` on top. */
export const searchSettings = (method: MethodSpec, extra: Partial<SearchSettings> = {}): SearchSettings => ({
  method,
  metric: 'accuracy',
  maxDrop: 1,
  alpha: 0.5,
  beta: 0.5,
  laqRule: 'intended',
  quantizer: 'uniform',
  scaleFormat: 'float32',
  rounding: 'nearest',
  ...extra,
});
