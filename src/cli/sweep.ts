/**
 * `ecgc sweep <model.onnx> [--data <dir>] [--test <dir>] --out <dir>`: the paper's Table 1
 * for this model, written as table.md, table.csv, sweep.json and sweep.html in the out dir.
 */
import { join } from 'node:path';
import { runSweep } from '../compress/sweep.js';
import { sweepHtml } from '../report/html.js';
import { sweepCsv, sweepMarkdown } from '../report/markdown.js';
import { checkOutputDirectory, writeDirectoryAtomic } from '../util/files.js';
import { type SearchFlags, loadInputs, searchSettings, version } from './compress.js';
import { parseThreads } from './options.js';
import { progressReporter } from './progress.js';

/** What a sweep writes in its directory: with --force, a directory holding only these is replaced. */
const SWEEP_FILES = ['sweep.json', 'table.md', 'table.csv', 'sweep.html'] as const;
const sweepOwns = (file: string) => (SWEEP_FILES as readonly string[]).includes(file);

export async function sweepCommand(model: string, flags: SearchFlags & { out: string; force?: boolean; sensitivity?: boolean }): Promise<void> {
  const { graph, bytes, data, test } = loadInputs(model, flags);
  const { method: _method, laqRule: _rule, flash: _flash, ...settings } = searchSettings({ ...flags, method: 'laq' }, data);
  checkOutputDirectory(flags.out, flags.force === true, sweepOwns); // before the sweep, not after it
  process.stderr.write(`calibration: ${data.count} windows from ${data.description}\n`);
  const progress = progressReporter('sweep');
  let sweep;
  try {
    sweep = await runSweep({ graph, modelFile: model, modelBytes: bytes, data, test, settings, threads: parseThreads(flags.threads), sensitivity: flags.sensitivity !== false, version: version(), progress: progress.update });
  } catch (e) {
    progress.end();
    throw e;
  }
  // The result first, the whole directory at once: nothing in reporting can lose it.
  const files: Record<(typeof SWEEP_FILES)[number], string> = {
    'sweep.json': JSON.stringify(sweep, null, 2) + '\n',
    'table.md': sweepMarkdown(sweep),
    'table.csv': sweepCsv(sweep),
    'sweep.html': sweepHtml(sweep),
  };
  writeDirectoryAtomic(flags.out, new Map(Object.entries(files)), flags.force === true, sweepOwns);
  progress.end();
  process.stdout.write(sweepMarkdown(sweep).split('\n## Layers')[0] + `\nwrote ${SWEEP_FILES.map((f) => join(flags.out, f)).join(', ')}\n`);
}
