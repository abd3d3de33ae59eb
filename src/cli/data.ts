/** `ecgc data <source> --task <task> --split <split> --out <dir>` */
import { performance } from 'node:perf_hooks';
import { writeDataset } from '../data/dataset.js';
import { buildDataset } from '../data/tasks.js';
import { formatCount } from './format.js';

export function dataCommand(source: string, options: { task: string; split: string; out: string }): void {
  const start = performance.now();
  const dataset = buildDataset(source, options.task, options.split);
  writeDataset(options.out, dataset);
  const counts = Object.entries(dataset.meta.counts).map(([c, n]) => `${c} ${formatCount(n)}`).join(', ');
  process.stderr.write(
    `wrote ${options.out}: ${formatCount(dataset.shape[0])} windows [${dataset.shape.join(', ')}] (${counts}) from ${dataset.meta.records.length} records in ${((performance.now() - start) / 1000).toFixed(1)} s\n`,
  );
}
