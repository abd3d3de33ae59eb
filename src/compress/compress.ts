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
import { Evaluator } from './evaluator.js';
import { layerHessians } from './hessian.js';
import { type WeightLayer, findWeightLayers } from '../plan/layers.js';
import type { MetricName } from './metrics.js';
import { planLayer } from './choice.js';
import { planFigures, toInt8Plan } from '../quant/activation-plan.js';
import { type FigurePair, type Plan, PLAN_SCHEMA, modelIdentity, sizeTotals } from '../plan/plan.js';
import { runSearch } from './policies/choose.js';
import { SearchSpace } from './search-space.js';
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

/** What compress and sweep start from: the weight layers, their search space and an evaluator on `data`. */
export async function openSearch(graph: Graph, modelFile: string, data: Calibration, settings: Pick<SearchSettings, 'alpha' | 'beta' | 'metric' | 'scaleFormat' | 'rounding'>, threads?: number) {
  const layers = findWeightLayers(graph);
  if (layers.length === 0) fail(`${modelFile}: has no weight-bearing layer (Conv, Gemm or MatMul with a constant weight of its own): nothing to compress`);
  // Error-compensating rounding learns from the windows the search measures on (never from --test);
  // H is gathered when a layer is first rounded (fixed-p and lap round nothing, codebooks do not use it).
  const hessians = settings.rounding === 'gptq' ? () => layerHessians(graph, layers, data.x, data.count) : undefined;
  const space = new SearchSpace(graph, layers, settings.alpha, settings.beta, settings.scaleFormat, hessians);
  return { layers, space, evaluator: await evaluatorOn(graph, layers, data, settings.metric, threads) };
}

/** An evaluator on a calibration set's windows (and labels, if it has them). */
export function evaluatorOn(graph: Graph, layers: WeightLayer[], windows: Calibration, metric: MetricName, threads?: number): Promise<Evaluator> {
  return Evaluator.create(graph, layers, windows.x, windows.count, windows.labels, { threads, metric, classNames: windows.classNames });
}

/**
 * The plan made int8 (weights 1..8 bits, activations calibrated on the search's windows), its
 * final figures measured again through the integer reference on the data and the test split.
 * The search itself measured its candidates with float32 activations.
 */
function int8Figures(request: CompressRequest, plan: Plan): Plan {
  const int8 = toInt8Plan(request.graph, plan, request.data);
  const data = { ...plan.figures.data, final: planFigures(request.graph, int8, request.data) };
  const test = plan.figures.test && request.test ? { ...plan.figures.test, final: planFigures(request.graph, int8, request.test) } : plan.figures.test;
  return { ...int8, figures: { ...plan.figures, data, test } };
}

export async function compressModel(request: CompressRequest): Promise<CompressResult> {
  const { graph, data, settings } = request;
  const start = performance.now();
  const { layers, space, evaluator } = await openSearch(graph, request.modelFile, data, settings, request.threads);
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
    const testEvaluator = await evaluatorOn(graph, layers, request.test, settings.metric, request.threads);
    try {
      const final = await evaluateChoices(space, testEvaluator, search.choices);
      testPair = { dir: request.test.source, dataset: request.test.dataset, windows: request.test.count, baseline: testEvaluator.baseline.figures!, final: final.figures! };
    } finally {
      await testEvaluator.close();
    }
  }

  const planLayers = layers.map((l, i) => planLayer(l, space.importance[i], search.realized[i]));
  let plan: Plan = {
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
      test: testPair,
    },
    search: { candidates: evaluator.candidates, evaluations: round(evaluator.evaluations, 3), seconds: round(searchSeconds, 2), tolerance: Number.isFinite(search.tolerance) ? search.tolerance : null },
  };
  if (request.activations === 'int8') plan = int8Figures(request, plan);
  if (refused) {
    const { schema, ...rest } = plan;
    refused.plan = { schema, rejected: refused.message, ...rest };
    throw refused;
  }
  return { plan, search, sensitivity };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
