/**
 * `ecgc sweep <model.onnx> [--data <dir>] [--test <dir>] --out <dir>`: the paper's Table 1
 * for this model, written as table.md, table.csv, sweep.json and sweep.html in the out dir.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { runSweep } from '../compress/sweep.js';
import { sweepHtml } from '../report/html.js';
import { sweepCsv, sweepMarkdown } from '../report/markdown.js';
import { writeFileAtomic } from '../util/files.js';
import { type SearchFlags, loadInputs, searchSettings, version } from './compress.js';
import { parseThreads } from './options.js';
import { progressBar } from './progress.js';

export async function sweepCommand(model: string, flags: SearchFlags & { out: string; sensitivity?: boolean }): Promise<void> {
  const { graph, bytes, data, test } = loadInputs(model, flags);
  const { method: _method, laqRule: _rule, flash: _flash, ...settings } = searchSettings({ ...flags, method: 'laq' }, data);
  try {
    mkdirSync(flags.out, { recursive: true });
  } catch (e) {
    fail(`${flags.out}: cannot create the output directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  process.stderr.write(`calibration: ${data.count} windows from ${data.description}\n`);
  const bar = progressBar('sweep');
  let sweep;
  try {
    sweep = await runSweep({ graph, modelFile: model, modelBytes: bytes, data, test, settings, threads: parseThreads(flags.threads), sensitivity: flags.sensitivity !== false, version: version(), progress: bar.update });
  } finally {
    bar.end();
  }
  writeFileAtomic(join(flags.out, 'sweep.json'), JSON.stringify(sweep, null, 2) + '\n');
  writeFileAtomic(join(flags.out, 'table.md'), sweepMarkdown(sweep));
  writeFileAtomic(join(flags.out, 'table.csv'), sweepCsv(sweep));
  writeFileAtomic(join(flags.out, 'sweep.html'), sweepHtml(sweep));
  process.stdout.write(sweepMarkdown(sweep).split('\n## Layers')[0] + `\nwrote ${['sweep.json', 'table.md', 'table.csv', 'sweep.html'].map((f) => join(flags.out, f)).join(', ')}\n`);
}
