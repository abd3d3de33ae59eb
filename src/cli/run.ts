/** `ecgc run <model.onnx> [--input <x.npy>] --output <y.npy> [--plan <plan.json>]` */
import { performance } from 'node:perf_hooks';
import { fail } from '../errors.js';
import { argmaxRows } from '../compress/metrics.js';
import { modelData } from '../data/model-data.js';
import { readModelInputs, syntheticModelInputs } from '../data/model-inputs.js';
import { shapeText, windowsPerRun } from '../ir/graph.js';
import { summarize } from '../model/summary.js';
import { BatchRunner } from '../ref/parallel.js';
import { checkOutputFile } from '../util/files.js';
import { writeNpy } from '../util/npy.js';
import { parseBatch, parseThreads } from './options.js';
import { loadModelWithPlan } from './plan.js';

interface RunOptions {
  input?: string;
  output: string;
  force?: boolean;
  threads?: string;
  count?: string;
  plan?: string;
  batch?: string;
}

export async function runCommand(model: string, options: RunOptions): Promise<void> {
  checkOutputFile(options.output, options.force === true);
  const { graph } = loadModelWithPlan(model, options.plan, parseBatch(options.batch));
  if (graph.outputs.length !== 1) fail(`${model}: has ${graph.outputs.length} outputs; ecgc run writes one`);
  const data = modelData(graph, model);
  const threads = parseThreads(options.threads);

  let x: Float32Array;
  let count: number;
  let labels: Int32Array | undefined;
  if (options.input) {
    ({ x, count } = readModelInputs(graph, model, options.input));
  } else {
    count = options.count === undefined ? 30 : Number(options.count);
    if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer, got '${options.count}'`);
    const windows = syntheticModelInputs(graph, model, count);
    ({ x, labels } = windows);
    process.stderr.write(`no --input: ${windows.description}${data ? ` for task ${data.task}` : ''}\n`);
  }

  const runner = new BatchRunner(graph, threads);
  const start = performance.now();
  let y: Float32Array;
  try {
    y = await runner.run(x, count);
  } finally {
    await runner.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const outShape = [count, ...graph.values.get(graph.outputs[0])!.shape.slice(1)];
  writeNpy(options.output, outShape, y);
  const batch = windowsPerRun(graph);
  const macs = (summarize(graph).totals.macs / batch) * count;
  const runCount = Math.ceil(count / batch);
  const runs = batch > 1 ? ` as ${runCount} run${runCount === 1 ? '' : 's'} of the graph's batch of ${batch}` : '';
  process.stderr.write(
    `ran ${count} window${count === 1 ? '' : 's'}${runs} in ${seconds.toFixed(3)} s (${(macs / seconds / 1e6).toFixed(1)} M MAC/s, ${threads} thread${threads === 1 ? '' : 's'}); wrote ${options.output} ${shapeText(outShape)}\n`,
  );
  if (data && y.length === count * data.classes.length) reportClasses(y, data.classes, labels);
}

/** Predicted classes, and how many match the synthetic annotation where it names one of them. */
function reportClasses(y: Float32Array, classes: string[], labels: Int32Array | undefined): void {
  const predicted = argmaxRows(y, classes.length);
  const counts = classes.map((_, c) => predicted.filter((p) => p === c).length);
  let line = `predicted: ${classes.map((name, c) => `${name} ${counts[c]}`).join(', ')}`;
  if (labels) {
    const known = [...labels.keys()].filter((i) => labels[i] >= 0);
    const agree = known.filter((i) => predicted[i] === labels[i]).length;
    line += `; ${agree} of ${known.length} match the synthetic beat annotations`;
  }
  process.stderr.write(line + '\n');
}
