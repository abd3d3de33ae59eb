/**
 * Adds each class's figures (support and recall: against the labels, or on unlabelled search data
 * the full model's classes' top-1 agreement) to a shipped plan made before plans carried them,
 * measured as `ecgc compress` measures them (outputFigures), on the plan's own search and test
 * splits rebuilt from MIT-BIH; then writes the plan's report again. Nothing else in the plan
 * changes. The baseline is the example's model.onnx, as in every shipped plan.
 *
 *   npx tsx examples/common/class-figures.ts ../shared/data/mitdb examples/arrhythminet-v2/plan-qat.json ...
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { argmaxRows, classificationMetrics, outputFigures } from '../../src/compress/metrics.js';
import { type FigurePair, type Plan, applyPlan, writePlan } from '../../src/compress/plan.js';
import { buildDataset } from '../../src/data/tasks.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { BatchRunner } from '../../src/ref/parallel.js';
import { planMarkdown } from '../../src/report/markdown.js';

async function outputs(graph: Graph, x: Float32Array, count: number): Promise<Float32Array> {
  const runner = new BatchRunner(graph, 2);
  try {
    return await runner.run(x, count);
  } finally {
    await runner.close();
  }
}

const [mitdb, ...plans] = process.argv.slice(2);
for (const file of plans) {
  const plan = JSON.parse(readFileSync(file, 'utf8')) as Plan;
  const full = loadModel(join(dirname(file), 'model.onnx'));
  const compressed = applyPlan(loadModel(join(dirname(file), plan.model.file)), plan);
  const pairs: [FigurePair, boolean][] = [[plan.figures.data, !plan.figures.labelFree]];
  if (plan.figures.test) pairs.push([plan.figures.test, true]);
  for (const [pair, labelled] of pairs) {
    const data = buildDataset(mitdb, pair.dataset!.task, pair.dataset!.split);
    const names = data.meta.classes;
    const count = data.shape[0];
    if (count !== pair.windows) throw new Error(`${file}: ${pair.dataset!.split} has ${count} windows, the plan says ${pair.windows}`);
    const reference = await outputs(full, data.x, count);
    const mine = await outputs(compressed, data.x, count);
    const figures = (y: Float32Array) => outputFigures(labelled ? classificationMetrics(data.y, argmaxRows(y, names.length), names) : null, y, reference, names.length, names);
    const baseline = figures(reference);
    const final = figures(mine);
    // The figures the plan already has must be these: the same windows, the same models.
    if (labelled && (baseline.accuracy !== pair.baseline.accuracy || final.accuracy !== pair.final.accuracy)) throw new Error(`${file}: accuracy on ${pair.dataset!.split} differs from the plan's`);
    if (final.agreement !== pair.final.agreement) throw new Error(`${file}: agreement on ${pair.dataset!.split} differs from the plan's`);
    pair.baseline.perClass = baseline.perClass;
    pair.final.perClass = final.perClass;
  }
  writePlan(file, plan);
  writeFileSync(file.replace(/\.json$/, '.md'), planMarkdown(plan));
  console.log(`${file}: per-class figures added`);
}

