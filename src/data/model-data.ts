/**
 * The dataset definition a trained model carries in its ONNX metadata ('ecgc.dataset':
 * task, classes, sampling rate, window, leads, preprocessing), written by the training
 * scripts: what the firmware must feed the model, and what `ecgc run` imitates without --input.
 */
import { fail } from '../errors.js';
import { type Graph, shapeText, sizeOf } from '../ir/graph.js';
import type { Dataset, DatasetMeta } from './dataset.js';

export const MODEL_DATA_KEY = 'ecgc.dataset';

export type ModelData = Pick<DatasetMeta, 'task' | 'classes' | 'samplingRate' | 'window' | 'leads' | 'preprocessing'>;

/**
 * Refuses a dataset whose classes are not the model's: as many as the model's outputs and,
 * when its labels are used and the model names its classes, the same names in the same order
 * (an N, L, R, A, V model scored on N, S, V, F, Q labels gives a meaningless accuracy).
 */
export function requireModelClasses(graph: Graph, modelFile: string, dataDir: string, dataClasses: string[], labelsUsed: boolean): void {
  const outputs = sizeOf(graph.values.get(graph.outputs[0])!.shape.slice(1));
  if (dataClasses.length === 0) fail(`${dataDir} is unlabelled (no classes): ${modelFile}'s scores need a labelled dataset (or --label-free where the command has it)`);
  if (dataClasses.length !== outputs) fail(`${modelFile} outputs ${outputs} values per sample, but ${dataDir} has ${dataClasses.length} classes (${dataClasses.join(', ')})`);
  const model = modelData(graph, modelFile);
  if (labelsUsed && model && model.classes.join() !== dataClasses.join()) {
    fail(`${dataDir}: its classes are ${dataClasses.join(', ')}, but ${modelFile} classifies ${model.classes.join(', ')} (task ${model.task}): its scores on these labels would mean nothing; use a dataset of its task`);
  }
}

export function modelData(graph: Graph, file: string): ModelData | undefined {
  const text = graph.metadata[MODEL_DATA_KEY];
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as ModelData;
    if (!Array.isArray(data.classes) || typeof data.samplingRate !== 'number' || typeof data.window?.samples !== 'number') throw new Error('fields missing');
    return data;
  } catch (e) {
    fail(`${file}: metadata '${MODEL_DATA_KEY}' is not a valid dataset definition (${(e as Error).message})`);
  }
}

/**
 * A dataset's windows as the model takes them, back to back: per window, each graph input's
 * values in the graph's order (the first input takes the windows, X.npy; each further input
 * the dataset's input of the same name, e.g. a beat's 'rr').
 */
export function modelWindows(graph: Graph, modelFile: string, dataDir: string, data: Dataset): Float32Array {
  const count = data.shape[0];
  const sources = graph.inputs.map((name, i) => {
    const sample = graph.values.get(name)!.shape.slice(1);
    if (i === 0) {
      if (sample.join() !== data.shape.slice(1).join()) fail(`${dataDir}: windows are ${shapeText(data.shape.slice(1))}, but ${modelFile} takes ${shapeText(sample)} per sample`);
      return data.x;
    }
    const inputs = data.meta.inputs ?? [];
    const k = inputs.findIndex((input) => input.name === name);
    if (k < 0) fail(`${modelFile} takes a further input '${name}' ${shapeText(sample)} per sample, which ${dataDir} does not hold (${inputs.length > 0 ? `it holds ${inputs.map((input) => `'${input.name}'`).join(', ')}` : 'it holds only windows'})`);
    if (sample.join() !== inputs[k].shape.join()) fail(`${dataDir}: input '${name}' is ${shapeText(inputs[k].shape)} per sample, but ${modelFile} takes ${shapeText(sample)}`);
    return data.more![k];
  });
  if (sources.length === 1) return sources[0];
  const sizes = sources.map((s) => s.length / count);
  const window = sizes.reduce((sum, size) => sum + size, 0);
  const windows = new Float32Array(count * window);
  for (let w = 0, at = 0; w < count; w++) {
    sources.forEach((source, i) => {
      windows.set(source.subarray(w * sizes[i], (w + 1) * sizes[i]), at);
      at += sizes[i];
    });
  }
  return windows;
}
