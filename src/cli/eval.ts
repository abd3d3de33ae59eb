/** `ecgc eval <model.onnx> --data <dir> [--plan <plan.json>] [--json]` */
import { fail } from '../errors.js';
import { argmaxRows, classificationMetrics } from '../compress/metrics.js';
import { readDataset } from '../data/dataset.js';
import { requireModelClasses } from '../data/model-data.js';
import { shapeText } from '../ir/graph.js';
import { BatchRunner } from '../ref/parallel.js';
import { table } from './format.js';
import { parseThreads } from './options.js';
import { loadModelWithPlan } from './plan.js';

export const EVAL_SCHEMA = 'ecgc.eval/1';

export async function evalCommand(model: string, options: { data: string; json?: boolean; threads?: string; plan?: string }): Promise<void> {
  const graph = loadModelWithPlan(model, options.plan);
  const data = readDataset(options.data);
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  if (sample.join() !== data.shape.slice(1).join()) {
    fail(`${options.data}: windows are ${shapeText(data.shape.slice(1))}, but ${model} takes ${shapeText(sample)} per sample`);
  }
  requireModelClasses(graph, model, options.data, data.meta.classes, true);
  const classes = data.meta.classes.length;
  const runner = new BatchRunner(graph, parseThreads(options.threads));
  let logits: Float32Array;
  try {
    logits = await runner.run(data.x, data.shape[0]);
  } finally {
    await runner.close();
  }
  const predicted = argmaxRows(logits, classes);
  const metrics = classificationMetrics(data.y, predicted, data.meta.classes);
  if (options.json) {
    process.stdout.write(JSON.stringify({ schema: EVAL_SCHEMA, model, plan: options.plan ?? null, data: options.data, task: data.meta.task, split: data.meta.split, ...metrics }, null, 2) + '\n');
    return;
  }
  const pct = (v: number) => (100 * v).toFixed(2);
  const lines = [
    `${model}${options.plan ? ` with plan ${options.plan}` : ''} on ${options.data} (${data.meta.task}, ${data.meta.split}): ${metrics.count} windows`,
    `accuracy ${pct(metrics.accuracy)}%  macro precision ${pct(metrics.macroPrecision)}%  recall ${pct(metrics.macroRecall)}%  F1 ${pct(metrics.macroF1)}%`,
    '',
    table(['class', 'precision %', 'recall %', 'F1 %', 'support'], metrics.perClass.map((c) => [c.name, pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)])),
    '',
    'confusion matrix (rows: true class, columns: predicted)',
    table(['', ...data.meta.classes], metrics.confusion.map((row, i) => [data.meta.classes[i], ...row.map(String)])),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
