/**
 * `ecgc compress` as a library call: measures the full model on the calibration windows,
 * runs the policy (src/compress/policies/), reports the chosen plan on held-out windows
 * when given, and assembles plan.json (src/plan/plan.ts). A plan that misses its
 * constraints is assembled too, marked `rejected`, and travels in the BudgetError.
 */
import { performance } from 'node:perf_hooks';
import { fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { Calibration } from './calibration.js';
import { ExplanationGuard } from './explanation-drift.js';
import { Evaluator, type EvaluatorOptions } from './evaluator.js';
import { layerHessians } from './hessian.js';
import { isIntegerGraph } from '../quant/integer-graph.js';
import { type WeightLayer, findWeightLayers } from '../plan/layers.js';
import { integerInputs } from './candidate-weights.js';
import type { MetricName } from './metrics.js';
import { planLayer } from './choice.js';
import { calibrateActivations } from '../quant/activation-plan.js';
import { type FigurePair, type Plan, PLAN_SCHEMA, activationTensors, modelIdentity, sizeTotals } from '../plan/plan.js';
import { runSearch } from './policies/choose.js';
import { FLOAT_CHOICE, SearchSpace } from './search-space.js';
import { BudgetError, type SearchResult, type SearchSettings, evaluateChoices } from './search.js';
import { type Sensitivity, measureSensitivity } from './sensitivity.js';

export interface CompressRequest {
  graph: Graph;
  modelFile: string;
  modelBytes: Uint8Array;
  data: Calibration;
  test?: Calibration;
  settings: SearchSettings;
  ram?: number;
  threads?: number;
  /** Bit-widths to measure per-layer sensitivity at (none: not measured). */
  sensitivityBits?: number[];
  /** int8: the plan is made for the integer mode (src/quant/activation-plan.ts) and its figures are the integer reference's. */
  activations?: 'float32' | 'int8';
  version: string;
}

export interface CompressResult {
  plan: Plan;
  search: SearchResult;
  sensitivity?: Sensitivity;
}

/**
 * What compress and sweep start from: the weight layers, their search space and an evaluator
 * on `data`. `activations` int8: the integer mode's space, the activations calibrated first
 * (every layer at its 8-bit start), and an evaluator that measures each candidate on them.
 */
export async function openSearch(graph: Graph, modelFile: string, data: Calibration, settings: Pick<SearchSettings, 'alpha' | 'beta' | 'metric' | 'scaleFormat' | 'rounding' | 'quantizer' | 'maxExplanationDrift'>, threads?: number, activations: 'float32' | 'int8' = 'float32') {
  const layers = findWeightLayers(graph);
  if (isIntegerGraph(graph)) fail(`${modelFile}: is quantized in ONNX already: its own scales run on the int8 kernels as they are (ecgc compile, ecgc verify); compress its float32 model instead`);
  if (layers.length === 0) fail(`${modelFile}: has no weight-bearing layer (Conv, Gemm or MatMul with a constant weight of its own): nothing to compress`);
  const integer = activations === 'int8';
  if (integer && settings.quantizer === 'codebook') fail('--activations int8: a layer that uses a codebook has no integer form (use --quantizer uniform or uniform-layer)');
  // Error-compensating rounding learns from the windows the search measures on (never from --test);
  // H is gathered when a layer is first rounded (fixed-p and lap round nothing, codebooks do not use it).
  const hessians = settings.rounding === 'gptq' ? () => layerHessians(graph, layers, data.x, data.count) : undefined;
  const space = new SearchSpace(graph, layers, settings.alpha, settings.beta, settings.scaleFormat, hessians, integer);
  const int8 = integer ? integerStart(graph, layers, space, data, settings.metric) : undefined;
  const explain = settings.maxExplanationDrift !== undefined;
  return { layers, space, activations: int8?.record, integer: int8?.evaluation, explain, evaluator: await evaluatorOn(graph, layers, data, settings.metric, threads, int8?.evaluation, explain) };
}

/** The integer mode's start: every layer at its float32 choice (8-bit uniform), the activations calibrated on it. */
function integerStart(graph: Graph, layers: WeightLayer[], space: SearchSpace, data: Calibration, metric: MetricName) {
  const start = (i: number) => space.realize(i, FLOAT_CHOICE);
  const { applied, integerLayers } = integerInputs(graph, layers, start);
  const record = calibrateActivations(graph, applied, integerLayers, data, metric);
  return { record, evaluation: { tensors: activationTensors(record), start } };
}

/** An evaluator on a calibration set's windows (and labels, if it has them); on int8 activations with `integer`; with `explain`, measuring the explanations' agreement there. */
export function evaluatorOn(graph: Graph, layers: WeightLayer[], windows: Calibration, metric: MetricName, threads?: number, integer?: EvaluatorOptions['integer'], explain = false): Promise<Evaluator> {
  const explanation = explain ? ExplanationGuard.create(graph, windows.x, windows.count) : undefined;
  return Evaluator.create(graph, layers, windows.x, windows.count, windows.labels, { threads, metric, classNames: windows.classNames, integer, explanation });
}

export async function compressModel(request: CompressRequest): Promise<CompressResult> {
  const { graph, data, settings } = request;
  const start = performance.now();
  const { layers, space, evaluator, activations, integer, explain } = await openSearch(graph, request.modelFile, data, settings, request.threads, request.activations);
  /** The plan of a search's result, with the test split's figures when measured. */
  function assemble(search: SearchResult, test: FigurePair | null, seconds = 0): Plan {
    const planLayers = layers.map((l, i) => planLayer(l, space.importance[i], search.realized[i]));
    return {
      schema: PLAN_SCHEMA,
      tool: { name: 'ecgc', version: request.version },
      model: modelIdentity(graph, request.modelFile, request.modelBytes),
      method: {
        name: search.method,
        metric: settings.metric,
        labelFree: data.labels === undefined,
        maxDrop: Number.isFinite(settings.maxDrop) ? settings.maxDrop : null,
        maxClassDrop: settings.maxClassDrop ?? null,
        minSnrDb: settings.minSnrDb ?? null,
        maxExplanationDrift: settings.maxExplanationDrift ?? null,
        flash: settings.flash ?? null,
        ram: request.ram ?? null,
        alpha: settings.alpha,
        beta: settings.beta,
        gamma: search.gamma,
        laqRule: settings.method.kind === 'laq' || settings.method.kind === 'laq+lap' ? settings.laqRule : null,
        quantizer: settings.quantizer,
        scaleFormat: settings.scaleFormat,
        rounding: settings.rounding,
        data: data.source,
        test: request.test?.source ?? null,
      },
      layers: planLayers,
      totals: sizeTotals(graph, planLayers),
      figures: {
        metric: settings.metric,
        labelFree: data.labels === undefined,
        data: { dir: data.source, dataset: data.dataset, windows: data.count, baseline: search.baseline.figures!, final: search.final.figures! },
        test,
      },
      search: { candidates: evaluator.candidates, evaluations: round(evaluator.evaluations, 3), seconds: round(seconds, 2), tolerance: Number.isFinite(search.tolerance) ? search.tolerance : null },
    };
  }

  let search: SearchResult;
  let sensitivity: Sensitivity | undefined;
  let refused: BudgetError | undefined;
  try {
    if (request.sensitivityBits) sensitivity = await measureSensitivity(space, evaluator, request.sensitivityBits, settings.quantizer, settings.progress);
    try {
      search = await runSearch(space, evaluator, settings);
    } catch (e) {
      if (!(e instanceof BudgetError && e.rejected)) throw e;
      refused = e;
      search = e.rejected;
    }
  } finally {
    await evaluator.close();
  }
  const searchSeconds = (performance.now() - start) / 1000;
  let testPair: FigurePair | null = null;
  if (request.test) {
    const testEvaluator = await evaluatorOn(graph, layers, request.test, settings.metric, request.threads, integer, explain);
    try {
      const final = (await evaluateChoices(space, testEvaluator, search!.choices)).figures!;
      testPair = { dir: request.test.source, dataset: request.test.dataset, windows: request.test.count, baseline: testEvaluator.baseline.figures!, final };
    } finally {
      await testEvaluator.close();
    }
  }

  let plan = assemble(search!, testPair, searchSeconds);
  if (activations) plan = { ...plan, activations };
  if (refused) {
    // int8 activations alone set a floor under the output SNR
    if (activations && settings.minSnrDb !== undefined) refused.message += ' (int8 activations alone limit the output SNR: a fixed-q:8 plan with --activations int8 shows how far)';
    const { schema, ...rest } = plan;
    refused.plan = { schema, rejected: refused.message, ...rest };
    throw refused;
  }
  return { plan, search, sensitivity };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
