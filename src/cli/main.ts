#!/usr/bin/env node
/** The ecgc command line: parses flags, calls the library, prints. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { EcgcError } from '../errors.js';
import { dataCommand } from './data.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { runCommand } from './run.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** User mistakes print one line and exit with their code; anything else is a bug in ecgc. */
function action<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof EcgcError) {
        process.stderr.write(`ecgc: ${e.message}\n`);
        process.exit(e.exitCode);
      }
      process.stderr.write(`ecgc: internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    }
  };
}

const program = new Command()
  .name('ecgc')
  .description('Compiles ECG neural networks (ONNX) into compressed, bit-exact C for Cortex-M')
  .version(version);

program
  .command('inspect')
  .description('ops, shapes, parameters and MACs per layer')
  .argument('<model>', 'model.onnx')
  .option('--json', 'machine-readable output (schema ecgc.inspect/1)')
  .action(action(inspectCommand));

program
  .command('run')
  .description('runs the float32 reference interpreter on a batch of inputs')
  .argument('<model>', 'model.onnx')
  .requiredOption('--input <x.npy>', 'float32 input, [N, ...sample shape] or one sample')
  .requiredOption('--output <y.npy>', 'where to write the outputs, [N, ...]')
  .option('--threads <n>', 'worker threads (default: up to 2)')
  .action(action(runCommand));

program
  .command('data')
  .description('builds a dataset (X.npy, y.npy, meta.json) from real ECG records')
  .argument('<source>', 'data directory, e.g. ../shared/data/mitdb or ../shared/data/cpsc2018')
  .requiredOption('--task <task>', 'beats-nlrav, beats-aami, rhythm or cpsc2018')
  .requiredOption('--split <split>', 'e.g. random-train, record-test, ds1-train, ds2-test, all')
  .requiredOption('--out <dir>', 'output directory (replaced if it exists)')
  .action(action(dataCommand));

program
  .command('eval')
  .description('accuracy, macro precision / recall / F1 and the confusion matrix on a dataset')
  .argument('<model>', 'model.onnx')
  .requiredOption('--data <dir>', "a dataset written by 'ecgc data'")
  .option('--json', 'machine-readable output (schema ecgc.eval/1)')
  .option('--threads <n>', 'worker threads (default: up to 2)')
  .action(action(evalCommand));

await program.parseAsync();
