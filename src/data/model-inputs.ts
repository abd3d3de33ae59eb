/**
 * The windows `ecgc run`, `verify`, `compile --verify/--measure` and `bench` feed a model, each
 * window every graph input's values in the graph's order (as modelWindows lays them out):
 * --input, an .npy of windows for a model of one input or a dataset directory written by
 * `ecgc data` that holds every input the model takes; or synthetic windows: synthetic ECG for
 * the first input and, for each further input, seeded values in [0.5, 1.5) (where RR intervals
 * in seconds and their ratios lie; a bit-exactness check needs finite values, not meaning).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { type Graph, shapeText, sizeOf } from '../ir/graph.js';
import { readNpyFloat32 } from '../util/npy.js';
import { readDataset } from './dataset.js';
import { modelData, modelWindows } from './model-data.js';
import { seededRandom } from './splits.js';
import { syntheticWindows } from './synthetic-windows.js';

export interface ModelInputs {
  x: Float32Array;
  count: number;
  /** Synthetic beats' classes (-1 where none of the model's), when known. */
  labels?: Int32Array;
  description: string;
}

/** Every window of `source`: an .npy of [N, ...sample] or one [...sample], or a dataset directory. */
export function readModelInputs(graph: Graph, modelFile: string, source: string): ModelInputs {
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  let x: Float32Array;
  let count: number;
  if (existsSync(source) && statSync(source).isDirectory() && existsSync(join(source, 'meta.json'))) {
    const data = readDataset(source);
    x = modelWindows(graph, modelFile, source, data);
    count = data.shape[0];
  } else {
    if (graph.inputs.length > 1) fail(`${source}: ${modelFile} takes ${graph.inputs.length} inputs (${graph.inputs.map((i) => `'${i}'`).join(', ')}); pass a dataset directory written by 'ecgc data' that holds them all`);
    const array = readNpyFloat32(existsSync(source) && statSync(source).isDirectory() ? join(source, 'X.npy') : source);
    const matches = (s: number[]) => s.length === sample.length && s.every((d, i) => d === sample[i]);
    if (matches(array.shape)) count = 1;
    else if (matches(array.shape.slice(1)) && array.shape[0] > 0) count = array.shape[0];
    else fail(`${source}: has shape ${shapeText(array.shape)}, but model input '${graph.inputs[0]}' takes ${shapeText(sample)} per sample: expected [N, ${sample.join(', ')}] or ${shapeText(sample)}`);
    x = array.data;
  }
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) fail(`${source}: contains ${x[i]} at flat index ${i}; inputs must be finite`);
  return { x, count, description: source };
}

/** `count` synthetic windows for every input of the model. */
export function syntheticModelInputs(graph: Graph, modelFile: string, count: number): ModelInputs {
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  if (sample.length < 1) fail(`${modelFile}: input ${shapeText(sample)} per sample has no time axis for ECG windows; pass --input`);
  const windows = syntheticWindows(sample, modelData(graph, modelFile), count);
  const further = graph.inputs.slice(1).map((value) => sizeOf(graph.values.get(value)!.shape.slice(1)));
  if (further.length === 0) return { x: windows.x, count, labels: windows.labels, description: windows.description };
  const first = windows.x.length / count;
  const x = new Float32Array(count * (first + further.reduce((sum, n) => sum + n, 0)));
  const next = seededRandom(12345);
  for (let w = 0, at = 0; w < count; w++) {
    x.set(windows.x.subarray(w * first, (w + 1) * first), at);
    at += first;
    for (const n of further) for (let i = 0; i < n; i++) x[at++] = 0.5 + next();
  }
  return { x, count, labels: windows.labels, description: `${windows.description}; further inputs ${graph.inputs.slice(1).map((i) => `'${i}'`).join(', ')}: seeded values in [0.5, 1.5)` };
}
