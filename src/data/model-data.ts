/**
 * The dataset definition a trained model carries in its ONNX metadata ('ecgc.dataset':
 * task, classes, sampling rate, window, leads, preprocessing), written by the training
 * scripts: what the firmware must feed the model, and what `ecgc run` imitates without --input.
 */
import { fail } from '../errors.js';
import { type Graph, sizeOf } from '../ir/graph.js';
import type { DatasetMeta } from './dataset.js';

export const MODEL_DATA_KEY = 'ecgc.dataset';

export type ModelData = Pick<DatasetMeta, 'task' | 'classes' | 'samplingRate' | 'window' | 'leads' | 'preprocessing'>;

/**
 * Refuses a dataset whose classes are not the model's: as many as the model's outputs and,
 * when its labels are used and the model names its classes, the same names in the same order
 * (an N, L, R, A, V model scored on N, S, V, F, Q labels gives a meaningless accuracy).
 */
export function requireModelClasses(graph: Graph, modelFile: string, dataDir: string, dataClasses: string[], labelsUsed: boolean): void {
  const outputs = sizeOf(graph.values.get(graph.outputs[0])!.shape.slice(1));
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
