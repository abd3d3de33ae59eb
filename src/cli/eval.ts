/**
 * `ecgc eval <model.onnx> --data <dir> [--plan <plan.json>] [--json]`; with a plan, the full
 * model is measured too, so that each class's recall shows beside the plan's.
 */
import { argmaxRows, classificationMetrics, confusionMatrix, taskScore } from '../compress/metrics.js';
import { readDataset } from '../data/dataset.js';
import { modelWindows, requireModelClasses } from '../data/model-data.js';
import type { Graph } from '../ir/graph.js';
import { BatchRunner } from '../ref/parallel.js';
import { table } from './format.js';
import { parseBatch, parseThreads } from './options.js';
import { loadModelWithPlan } from './plan.js';

export const EVAL_SCHEMA = 'ecgc.eval/1';

export async function evalCommand(model: string, options: { data: string; json?: boolean; threads?: string; plan?: string; batch?: string }): Promise<void> {
  const { full, graph } = loadModelWithPlan(model, options.plan, parseBatch(options.batch));
  const data = readDataset(options.data);
  const windows = modelWindows(graph, model, options.data, data);
  requireModelClasses(graph, model, options.data, data.meta.classes, true);
  const classes = data.meta.classes.length;
  const metricsOf = async (g: Graph) => {
    const runner = new BatchRunner(g, parseThreads(options.threads));
    try {
      const predicted = argmaxRows(await runner.run(windows, data.shape[0]), classes);
      return { ...classificationMetrics(data.y, predicted, data.meta.classes), confusion: confusionMatrix(data.y, predicted, classes) };
    } finally {
      await runner.close();
    }
  };
  const metrics = await metricsOf(graph);
  const fullModel = options.plan ? await metricsOf(full) : null;
  const score = taskScore(data.meta.task, metrics);
  if (options.json) {
    const scores = { taskScore: score, fullModel: fullModel && { ...fullModel, taskScore: taskScore(data.meta.task, fullModel) } };
    process.stdout.write(JSON.stringify({ schema: EVAL_SCHEMA, model, plan: options.plan ?? null, data: options.data, task: data.meta.task, split: data.meta.split, ...metrics, ...scores }, null, 2) + '\n');
    return;
  }
  const pct = (v: number) => (100 * v).toFixed(2);
  const summary = (m: typeof metrics) => `accuracy ${pct(m.accuracy)}%  macro precision ${pct(m.macroPrecision)}%  recall ${pct(m.macroRecall)}%  F1 ${pct(m.macroF1)}%`;
  const beside = (i: number) => (fullModel ? [pct(fullModel.perClass[i].recall), (100 * (metrics.perClass[i].recall - fullModel.perClass[i].recall)).toFixed(2)] : []);
  const lines = [
    `${model}${options.plan ? ` with plan ${options.plan}` : ''} on ${options.data} (${data.meta.task}, ${data.meta.split}): ${metrics.count} windows`,
    summary(metrics),
    ...(score ? [`${score.name} ${pct(score.value)}%`] : []),
    ...(fullModel ? [`full model: ${summary(fullModel)}`] : []),
    '',
    table(
      ['class', 'precision %', 'recall %', ...(fullModel ? ['full model recall %', 'change (points)'] : []), 'F1 %', 'support'],
      metrics.perClass.map((c, i) => [c.name, pct(c.precision), pct(c.recall), ...beside(i), pct(c.f1), String(c.support)]),
    ),
    '',
    'confusion matrix (rows: true class, columns: predicted)',
    table(['', ...data.meta.classes], metrics.confusion.map((row, i) => [data.meta.classes[i], ...row.map(String)])),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
