/**
 * The dataset definition a trained model carries in its ONNX metadata ('ecgc.dataset':
 * task, classes, sampling rate, window, leads, preprocessing), written by the training
 * scripts: what the firmware must feed the model, and what `ecgc run` imitates without --input.
 */
import { fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { DatasetMeta } from './dataset.js';

export const MODEL_DATA_KEY = 'ecgc.dataset';

export type ModelData = Pick<DatasetMeta, 'task' | 'classes' | 'samplingRate' | 'window' | 'leads' | 'preprocessing'>;

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
