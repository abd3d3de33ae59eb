/**
 * `ecgc finetune <model.onnx> --plan <plan.json> --train <dir> --data <dir> --out <plan.json>`:
 * quantization-aware fine-tuning of a plan (src/compress/finetune.ts). Writes the fine-tuned
 * model (--model-out, default beside the plan), then its plan and plan.md.
 */
import { resolve } from 'node:path';
import { fail } from '../errors.js';
import { readCalibration } from '../compress/calibration.js';
import { DEFAULT_PYTHON, finetuneModel, requireTorch } from '../compress/finetune.js';
import { readPlan, writePlan } from '../plan/plan.js';
import { planMarkdown } from '../report/markdown.js';
import { checkOutputFile, writeFileAtomic } from '../util/files.js';
import { loadInputs, percent, planSummary, version } from './compress.js';
import { parseThreads } from './options.js';
import { progressReporter } from './progress.js';
import { parseNumber, parseWholeNumber } from './size.js';

interface FinetuneFlags {
  plan: string;
  train: string;
  data: string;
  test?: string;
  labelFree?: boolean;
  out: string;
  modelOut?: string;
  force?: boolean;
  epochs?: string;
  lr?: string;
  batch?: string;
  seed?: string;
  python?: string;
  threads?: string;
}

export async function finetuneCommand(model: string, flags: FinetuneFlags): Promise<void> {
  const base = flags.out.replace(/\.json$/i, '');
  const modelOut = flags.modelOut ?? `${base}.onnx`;
  if (resolve(modelOut) === resolve(model)) fail(`${modelOut}: would overwrite the model being fine-tuned; give another --model-out`);
  for (const file of [flags.out, `${base}.md`, modelOut]) checkOutputFile(file, flags.force === true);
  const epochs = parseWholeNumber(flags.epochs, '--epochs', 3, 1, 1000);
  const batch = parseWholeNumber(flags.batch, '--batch', 128, 1, 1 << 16);
  const seed = parseWholeNumber(flags.seed, '--seed', 0, 0, 2 ** 31 - 1);
  const lr = parseNumber(flags.lr, '--lr', 3e-4, 1e-9, 1);

  const python = flags.python ?? DEFAULT_PYTHON;
  await requireTorch(python);
  const { graph, bytes, data, test } = loadInputs(model, flags);
  const plan = readPlan(flags.plan, graph, bytes);
  const train = readCalibration(flags.train, graph, model, { labelFree: flags.labelFree });
  process.stderr.write(`training windows: ${train.count} from ${train.description}\nvalidation windows: ${data.count} from ${data.description}\n`);

  const progress = progressReporter('finetune');
  let result;
  try {
    result = await finetuneModel({
      graph,
      modelFile: model,
      plan,
      train,
      data,
      test,
      modelOut,
      settings: { epochs, lr, batch, seed, python, threads: parseThreads(flags.threads) },
      version: version(),
      log: progress.log,
      progress: progress.update,
    });
  } catch (e) {
    progress.end();
    throw e;
  }
  const { plan: tuned, model: tunedModel, validation } = result;
  // The model first: a plan on disk always has its model beside it; both before any reporting.
  writeFileAtomic(modelOut, tunedModel);
  writePlan(flags.out, tuned);
  writeFileAtomic(`${base}.md`, planMarkdown(tuned));
  progress.end();
  const v = validation;
  process.stdout.write(
    planSummary(tuned) +
      `\nfine-tuned: epoch ${v.epoch} of ${epochs} kept; validation ${v.metric} ${percent(v.before)}% before training, ${percent(v.after)}% after (torch, on ${data.source})` +
      `\nwrote ${modelOut}, ${flags.out}, ${base}.md\n`,
  );
}
