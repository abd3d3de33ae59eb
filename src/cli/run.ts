/** `ecgc run <model.onnx> --input <x.npy> --output <y.npy>` */
import { performance } from 'node:perf_hooks';
import { fail } from '../errors.js';
import { loadModel } from '../ir/load.js';
import { shapeText } from '../ir/graph.js';
import { summarize } from '../ir/summary.js';
import { BatchRunner } from '../ref/parallel.js';
import { parseThreads } from './options.js';
import { readNpyFloat32, writeNpy } from '../util/npy.js';

export async function runCommand(model: string, options: { input: string; output: string; threads?: string }): Promise<void> {
  const graph = loadModel(model);
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    fail(`${model}: has ${graph.inputs.length} inputs and ${graph.outputs.length} outputs; ecgc run feeds models with one input and one output`);
  }
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  const x = readNpyFloat32(options.input);
  const count = batchCount(x.shape, sample, options.input, graph.inputs[0]);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) fail(`${options.input}: contains ${x.data[i]} at flat index ${i}; inputs must be finite`);
  }
  const threads = parseThreads(options.threads);

  const runner = new BatchRunner(graph, threads);
  const start = performance.now();
  let y: Float32Array;
  try {
    y = await runner.run(x.data, count);
  } finally {
    await runner.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const outShape = [count, ...graph.values.get(graph.outputs[0])!.shape.slice(1)];
  writeNpy(options.output, outShape, y);
  const macs = summarize(graph).totals.macs * count;
  process.stderr.write(
    `ran ${count} sample${count === 1 ? '' : 's'} in ${seconds.toFixed(3)} s (${(macs / seconds / 1e6).toFixed(1)} M MAC/s, ${threads} thread${threads === 1 ? '' : 's'}); wrote ${options.output} ${shapeText(outShape)}\n`,
  );
}

/** Accepts [N, ...sample] or [...sample] (one sample). */
function batchCount(shape: number[], sample: number[], file: string, inputName: string): number {
  const matches = (s: number[]) => s.length === sample.length && s.every((d, i) => d === sample[i]);
  if (matches(shape)) return 1;
  if (matches(shape.slice(1)) && shape[0] > 0) return shape[0];
  fail(`${file}: has shape ${shapeText(shape)}, but model input '${inputName}' takes ${shapeText(sample)} per sample: expected ${shapeText(['N' as unknown as number, ...sample])} or ${shapeText(sample)}`);
}

