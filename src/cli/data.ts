/** `ecgc data <source> --task <task> --split <split> --out <dir>` */
import { performance } from 'node:perf_hooks';
import { ownedByDataset, writeDataset } from '../data/dataset.js';
import { buildDataset } from '../data/tasks.js';
import { checkOutputDirectory } from '../util/files.js';
import { honourPendingInterrupt } from '../util/interrupt.js';
import { formatCount } from './format.js';

export async function dataCommand(source: string, options: { task: string; split: string; out: string; force?: boolean }): Promise<void> {
  const start = performance.now();
  const force = options.force === true;
  checkOutputDirectory(options.out, force, ownedByDataset); // before the records are read, not after
  const dataset = buildDataset(source, options.task, options.split);
  await honourPendingInterrupt(); // the records took a while: a Ctrl-C meanwhile means no dataset
  writeDataset(options.out, dataset, force);
  const counts = Object.entries(dataset.meta.counts).map(([c, n]) => `${c} ${formatCount(n)}`).join(', ');
  process.stderr.write(
    `wrote ${options.out}: ${formatCount(dataset.shape[0])} windows [${dataset.shape.join(', ')}] (${counts}) from ${dataset.meta.records.length} records in ${((performance.now() - start) / 1000).toFixed(1)} s\n`,
  );
}
