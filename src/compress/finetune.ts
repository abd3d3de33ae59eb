/**
 * `ecgc finetune` as a library call: quantization-aware fine-tuning of a plan.
 *
 * A plan fixes each layer's bits, quantizer, scale format and pruning. Fine-tuning trains the
 * model's weights and biases through exactly those quantizers (src/compress/finetune.py, in
 * torch: the fake-quantized forward pass is the device's, gradients pass the rounding
 * straight through), distilling the original model on the training windows, with the
 * cross-entropy of their labels when they have them. The pruning mask is the plan's.
 *
 * The result is a new model whose layer weights are the quantized weights themselves
 * (code * scale, pruned weights zero) and a plan for it with the same choices: quantizing
 * those weights again gives the same codes, so `ecgc compile` packs exactly what was trained.
 * An int8 plan trains through its activations' rounding too (the values the device stores as
 * int8, fake-quantized with the plan's scales, which it keeps), and is measured by the integer
 * reference.
 * Its figures are measured here by the reference interpreter, against the ORIGINAL model
 * (agreement, SNR, and the accuracy a user compares with), on the validation windows that
 * chose the epoch and on held-out test windows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../util/child.js';
import { fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { loadModel } from '../model/load.js';
import { BatchRunner } from '../ref/parallel.js';
import { readFileOrFail, withTemporaryDirectory } from '../util/files.js';
import { writeNpy } from '../util/npy.js';
import { integerPlanLayers } from '../quant/activation-plan.js';
import type { Calibration } from './calibration.js';
import { type LayerChoice, LayerWeights, planLayer } from './choice.js';
import { findWeightLayers, layerWeightNames, readRows } from '../plan/layers.js';
import { argmaxRows, classificationMetrics, outputFigures } from './metrics.js';
import { type FigurePair, type Plan, type PlanLayer, applyPlan, int8ActivationsOf, modelIdentity, sizeTotals } from '../plan/plan.js';

export interface FinetuneSettings {
  epochs: number;
  lr: number;
  batch: number;
  seed: number;
  /** The Python interpreter with torch and onnx. */
  python: string;
  threads: number;
}

export interface FinetuneRequest {
  graph: Graph;
  modelFile: string;
  plan: Plan;
  /** Training windows: labelled (distillation + cross-entropy) or not (distillation only). */
  train: Calibration;
  /** Validation windows: choose the epoch; the plan's `data` figures. */
  data: Calibration;
  test?: Calibration;
  /** Where the fine-tuned model will be written (its name goes in the plan). */
  modelOut: string;
  settings: FinetuneSettings;
  version: string;
  /** Receives the trainer's log lines (before training, each epoch, the epoch kept). */
  log?: (line: string) => void;
  /** Training steps (batches) done, of all epochs' steps. */
  progress?: (done: number, total: number, what: string) => void;
}

export interface FinetuneResult {
  plan: Plan;
  /** The fine-tuned ONNX model's bytes. */
  model: Uint8Array;
  /** The trainer's score on the validation windows (torch), before training and of the epoch kept. */
  validation: TrainerReport;
}

interface TrainerReport {
  epoch: number;
  /** What chose the epoch: the plan's metric, or top-1 agreement with the model without labels. */
  metric: 'accuracy' | 'f1' | 'agreement';
  before: number;
  after: number;
}

export const DEFAULT_PYTHON = '/usr/bin/python3';
/** The trainer's exit code for input it cannot train (its last stderr line says why). */
const REFUSED = 10;
/** max |torch - reference| / max |reference| of the original model's outputs (float32, different summation orders). */
const TRAINER_TOLERANCE = 1e-4;
const SCRIPT = fileURLToPath(new URL('../../src/compress/finetune.py', import.meta.url));

export async function finetuneModel(request: FinetuneRequest): Promise<FinetuneResult> {
  const { graph, plan, settings } = request;
  const codebook = plan.layers.find((l) => l.quantizer === 'codebook');
  if (codebook) fail(`layer '${codebook.node}': finetune trains uniform, uniform-layer, sign and float32 layers; a codebook's levels are not trained (compress with --quantizer uniform)`);

  if (graph.inputs.length > 1) fail(`${request.modelFile}: finetune trains models of one input; this one takes ${graph.inputs.length} (${graph.inputs.map((i) => `'${i}'`).join(', ')})`);
  const joined = findWeightLayers(graph).find((l) => l.joined);
  if (joined) fail(`layer '${joined.node}' (${joined.op}): finetune trains layers of one weight; its weights ${layerWeightNames(joined).join(' and ')} form one layer`);

  return withTemporaryDirectory('ecgc-finetune-', async (work) => {
    const start = performance.now();
    const trained = join(work, 'model.onnx');
    const config = {
      model: request.modelFile,
      layers: plan.layers.map((l) => ({ node: l.node, weight: l.weight, bias: l.bias, rows: l.rows, transposed: l.transposed, shape: l.shape, bits: l.bits, quantizer: l.quantizer, threshold: l.threshold, scaleFormat: l.scaleFormat ?? 'float32' })),
      // an int8 plan trains through the device's activation rounding: the values it stores as int8, with their scales
      activations: [...int8ActivationsOf(graph, plan)].map(([value, q]) => ({ value, scale: q.scale, zeroPoint: q.zeroPoint })),
      train: windowFiles(request.train, '--train'),
      val: windowFiles(request.data, '--data'),
      metric: request.data.labels === undefined ? 'agreement' : plan.method.metric,
      epochs: settings.epochs,
      lr: settings.lr,
      batch: settings.batch,
      seed: settings.seed,
      threads: settings.threads,
      out: trained,
      // The trainer runs the ONNX graph with its own torch ops: before training, its outputs of
      // the model on the validation windows must be the reference's (up to summation order).
      reference: join(work, 'val-reference.npy'),
      tolerance: TRAINER_TOLERANCE,
    };
    const reference = await outputsOn(graph, request, settings.threads);
    writeNpy(config.reference, [request.data.count, reference.data.length / request.data.count], reference.data);
    const configFile = join(work, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    const report = await runTrainer(settings.python, configFile, request);
    const bytes = readFileOrFail(trained);
    const tuned = loadModel(trained);
    // The trainer only replaced initializers: the layers are the plan's, in its order.
    const layers = findWeightLayers(tuned);

    // The plan's choices on the trained weights (already on the grid: plain rounding keeps them).
    const realized = layers.map((layer, i) => {
      const entry = plan.layers[i];
      const weights = new LayerWeights(layer, readRows(tuned, layer), entry.scaleFormat ?? 'float32');
      return planLayer(layer, entry.importance, weights.realize(choiceOf(plan, entry)));
    });
    const planLayers = plan.activations ? integerPlanLayers(tuned, realized) : realized;
    const outputs = await outputsOn(applyPlan(tuned, { ...plan, layers: planLayers }), request, settings.threads);
    const tunedPlan: Plan = {
      ...plan,
      tool: { name: 'ecgc', version: request.version },
      model: modelIdentity(tuned, request.modelOut, bytes),
      method: { ...plan.method, rounding: 'nearest', data: request.data.source, test: request.test?.source ?? null },
      layers: planLayers,
      totals: sizeTotals(tuned, planLayers),
      figures: {
        metric: plan.method.metric,
        labelFree: request.data.labels === undefined,
        data: figurePair(reference.data, outputs.data, request.data),
        test: request.test ? figurePair(reference.test!, outputs.test!, request.test) : null,
      },
      finetune: {
        from: { file: plan.model.file, sha256: plan.model.sha256 },
        train: { dir: request.train.source, dataset: request.train.dataset, windows: request.train.count, labelled: request.train.labels !== undefined },
        epochs: settings.epochs,
        epochKept: report.epoch,
        lr: settings.lr,
        batch: settings.batch,
        seed: settings.seed,
        seconds: Number(((performance.now() - start) / 1000).toFixed(2)),
      },
    };
    return { plan: tunedPlan, model: bytes, validation: report };
  });
}

function choiceOf(plan: Plan, entry: PlanLayer): LayerChoice {
  const family = entry.quantizer === 'float32' || entry.quantizer === 'sign' ? plan.method.quantizer : entry.quantizer;
  return { bits: entry.bits, family, prune: entry.prune };
}

/** A model's outputs on the validation and test windows (one worker pool for both). */
async function outputsOn(graph: Graph, request: FinetuneRequest, threads: number): Promise<{ data: Float32Array; test: Float32Array | null }> {
  const runner = new BatchRunner(graph, threads);
  try {
    return { data: await runner.run(request.data.x, request.data.count), test: request.test ? await runner.run(request.test.x, request.test.count) : null };
  } finally {
    await runner.close();
  }
}

/** The fine-tuned, compressed model's figures against the original model's outputs (`reference`) on the same windows. */
function figurePair(reference: Float32Array, outputs: Float32Array, windows: Calibration): FigurePair {
  const classes = reference.length / windows.count;
  const metrics = (values: Float32Array) => (windows.labels ? classificationMetrics(windows.labels, argmaxRows(values, classes), windows.classNames!) : null);
  return {
    dir: windows.source,
    dataset: windows.dataset,
    windows: windows.count,
    baseline: outputFigures(metrics(reference), reference, reference, classes, windows.classNames),
    final: outputFigures(metrics(outputs), outputs, reference, classes, windows.classNames),
  };
}

/** The trainer reads the windows (and labels) from the files ecgc validated them in. */
function windowFiles(windows: Calibration, flag: string): { x: string; y: string | null } {
  if (!windows.files) fail(`${flag}: finetune needs windows from files (a dataset directory, a directory with X.npy, or an .npy file)`);
  return { x: windows.files.x, y: windows.files.y ?? null };
}

/** Fails with the way to install them unless `python` can import torch and onnx. */
export async function requireTorch(python: string): Promise<void> {
  const probe = await runChild(python, ['-c', 'import torch, onnx'], { reject: false });
  if (probe.exitCode !== 0) {
    const why = probe.failed && probe.exitCode === undefined ? `cannot run ${python}` : `${python} cannot import torch and onnx`;
    fail(`finetune trains with torch: ${why} (on Debian: apt-get install python3-torch python3-onnx, or give --python)`);
  }
}

/** The trainer's progress lines: `progress <step> <steps> <what>` (finetune.py). */
const PROGRESS_LINE = /^progress (\d+) (\d+) (.*)$/;

async function runTrainer(python: string, configFile: string, { log, progress }: Pick<FinetuneRequest, 'log' | 'progress'>): Promise<TrainerReport> {
  const child = runChild(python, [SCRIPT, configFile], { reject: false, stdin: 'ignore' });
  const lines: string[] = [];
  for await (const line of child.iterable({ from: 'stderr' })) {
    const step = PROGRESS_LINE.exec(line);
    if (step) {
      progress?.(Number(step[1]), Number(step[2]), step[3]);
      continue;
    }
    lines.push(line);
    log?.(line);
  }
  const result = await child;
  if (result.exitCode === REFUSED && lines.length > 0) fail(lines[lines.length - 1]);
  if (result.exitCode !== 0) fail(`finetune: the trainer failed (exit ${result.exitCode ?? result.signal}): ${lines.slice(-5).join(' | ')}`);
  return JSON.parse(String(result.stdout));
}
