/**
 * The windows a search measures on (--data) or a plan is reported on (--test): a dataset
 * written by `ecgc data` (labelled), a directory with only X.npy or a bare .npy file
 * (unlabelled: label-free mode), or, with no data at all, synthetic ECG windows shaped for
 * the model (src/data/synthetic-windows.ts, label-free).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { readDataset } from '../data/dataset.js';
import { modelData, modelWindows, requireModelClasses } from '../data/model-data.js';
import { syntheticWindows } from '../data/synthetic-windows.js';
import { type Graph, shapeText } from '../ir/graph.js';
import { readNpyFloat32 } from '../util/npy.js';

export interface Calibration {
  x: Float32Array;
  count: number;
  /** Undefined: label-free. */
  labels?: Int32Array;
  /** The classes' names, when the windows are an `ecgc data` dataset (labelled or not). */
  classNames?: string[];
  /** The directory or file, or null for synthetic windows. */
  source: string | null;
  /** `ecgc data`'s task and split, when the windows are such a dataset. */
  dataset?: { task: string; split: string };
  description: string;
  /** The .npy files of the windows and (when labelled) their labels; none for synthetic windows. */
  files?: { x: string; y?: string };
}

export const DEFAULT_SYNTHETIC_WINDOWS = 512;

export function readCalibration(source: string | undefined, graph: Graph, modelFile: string, options: { labelFree?: boolean; synthetic?: number } = {}): Calibration {
  if (graph.outputs.length !== 1) fail(`${modelFile}: has ${graph.outputs.length} outputs; compression measures models with one output`);
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  const further = graph.inputs.length > 1 ? `${modelFile} takes ${graph.inputs.length} inputs (${graph.inputs.map((i) => `'${i}'`).join(', ')}): pass a dataset directory written by 'ecgc data' that holds them all` : undefined;

  if (source === undefined) {
    const count = options.synthetic ?? DEFAULT_SYNTHETIC_WINDOWS;
    if (further) fail(`${further} (synthetic ECG fills only windows)`);
    if (sample.length < 1) fail(`${modelFile}: input ${shapeText(sample)} per sample has no time axis for ECG windows; pass --data`);
    const windows = syntheticWindows(sample, modelData(graph, modelFile), count);
    return { x: windows.x, count, source: null, description: `${windows.description} (label-free: fidelity to the full model)` };
  }

  let x: { shape: number[]; data: Float32Array };
  let labels: Int32Array | undefined;
  let classNames: string[] | undefined;
  let description: string;
  let dataset: Calibration['dataset'];
  let files: Calibration['files'];
  if (existsSync(source) && statSync(source).isDirectory() && existsSync(join(source, 'y.npy')) && existsSync(join(source, 'meta.json'))) {
    const data = readDataset(source);
    x = { shape: [data.shape[0], ...sample], data: modelWindows(graph, modelFile, source, data) };
    requireModelClasses(graph, modelFile, source, data.meta.classes, !options.labelFree);
    if (!options.labelFree) labels = data.y;
    classNames = data.meta.classes;
    dataset = { task: data.meta.task, split: data.meta.split };
    files = { x: join(source, 'X.npy'), y: labels ? join(source, 'y.npy') : undefined };
    description = `${source} (${data.meta.task}, ${data.meta.split})${options.labelFree ? ', labels ignored (label-free)' : ''}`;
  } else {
    if (further) fail(further);
    const file = existsSync(source) && statSync(source).isDirectory() ? join(source, 'X.npy') : source;
    if (!existsSync(file)) fail(`${source}: no dataset here (expected a directory written by 'ecgc data', a directory with X.npy, or an .npy file)`);
    x = readNpyFloat32(file);
    files = { x: file };
    description = `${file} (unlabelled: label-free, fidelity to the full model)`;
  }
  const count = x.shape[0];
  if (x.shape.slice(1).join() !== sample.join()) fail(`${source}: windows are ${shapeText(x.shape.slice(1))}, but ${modelFile} takes ${shapeText(sample)} per sample`);
  if (!(count > 0)) fail(`${source}: the data set is empty`);
  for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i])) fail(`${source}: contains ${x.data[i]} at flat index ${i}; inputs must be finite`);
  return { x: x.data, count, labels, classNames, source, dataset, description, files };
}
