/** `ecgc data <source> --task <task> --split <split> --out <dir> [--noise <record> --snr <dB>]` */
import { performance } from 'node:perf_hooks';
import { ownedByDataset, writeDataset } from '../data/dataset.js';
import { addNoise } from '../data/noise.js';
import { buildDataset } from '../data/tasks.js';
import { fail } from '../errors.js';
import { checkOutputDirectory } from '../util/files.js';
import { honourPendingInterrupt } from '../util/interrupt.js';
import { formatCount } from './format.js';

export async function dataCommand(source: string, options: { task: string; split: string; out: string; force?: boolean; noise?: string; snr?: string }): Promise<void> {
  const start = performance.now();
  const force = options.force === true;
  if ((options.noise === undefined) !== (options.snr === undefined)) fail('--noise and --snr go together: a noise record and the SNR in dB to add it at');
  const snrDb = Number(options.snr);
  if (options.snr !== undefined && (options.snr.trim() === '' || !Number.isFinite(snrDb))) fail(`--snr must be a number of dB, got '${options.snr}'`);
  checkOutputDirectory(options.out, force, ownedByDataset); // before the records are read, not after
  const clean = buildDataset(source, options.task, options.split);
  const dataset = options.noise === undefined ? clean : addNoise(clean, { record: options.noise, snrDb });
  await honourPendingInterrupt(); // the records took a while: a Ctrl-C meanwhile means no dataset
  writeDataset(options.out, dataset, force);
  const counts = Object.entries(dataset.meta.counts).map(([c, n]) => `${c} ${formatCount(n)}`).join(', ');
  process.stderr.write(
    `wrote ${options.out}: ${formatCount(dataset.shape[0])} windows [${dataset.shape.join(', ')}] (${counts}) from ${dataset.meta.records.length} records in ${((performance.now() - start) / 1000).toFixed(1)} s\n`,
  );
}
