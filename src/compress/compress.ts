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
import { isIntegerGraph } from '../quant/integer-graph.js';
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
  if (isIntegerGraph(graph)) fail(`${modelFile}: is quantized in ONNX already: its own scales run on the int8 kernels as they are (ecgc compile, ecgc verify); compress its float32 model instead`);
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

/** Points of the constrained score (the metric, or agreement without labels) `plan`'s final figures on --data lose. */
function dataDrop(plan: Plan): number {
  const { metric, labelFree } = plan.method;
  const { baseline, final } = plan.figures.data;
  const score = (f: typeof final) => (labelFree ? f.agreement : metric === 'f1' ? f.macroF1! : f.accuracy!);
  return 100 * (score(baseline) - score(final));
}

/** Why the int8 plan misses --max-drop or --min-snr on the search data, or undefined. */
export function int8ConstraintMissed(plan: Plan): string | undefined {
  const { maxDrop, metric, labelFree, minSnrDb } = plan.method;
  const drop = dataDrop(plan);
  if (maxDrop !== null && drop > maxDrop) return `with int8 activations the plan loses ${drop.toFixed(2)} points of ${labelFree ? 'agreement' : metric} on --data, more than --max-drop ${maxDrop}`;
  const snr = plan.figures.data.final.snrDb;
  // int8 activations alone set a floor under the output SNR (fixed-q:8 --activations int8 shows it)
  if (minSnrDb != null && snr !== null && snr < minSnrDb) return `with int8 activations the plan's output SNR on --data is ${snr.toFixed(1)} dB, below --min-snr ${minSnrDb} dB (a fixed-q:8 plan with --activations int8 shows the SNR int8 activations alone allow)`;
  return undefined;
}

/** Searches again with the tolerance tightened by what int8 activations lost beyond it, at most this many times. */
const INT8_RETRIES = 2;

export async function compressModel(request: CompressRequest): Promise<CompressResult> {
  const { graph, data, settings } = request;
  const start = performance.now();
  const { layers, space, evaluator } = await openSearch(graph, request.modelFile, data, settings, request.threads);
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
  let int8: Plan | undefined;
  /** Searches made again for int8 (with a tighter tolerance). */
  let attempt = 0;
  try {
    if (request.sensitivityBits) sensitivity = await measureSensitivity(space, evaluator, request.sensitivityBits, settings.quantizer, settings.progress);
    // int8: the search measures float32 activations, so its plan is made int8 and measured
    // again on --data; a drop beyond --max-drop tightens the search's tolerance by the excess
    let tolerance = settings.maxDrop;
    for (; ; attempt++) {
      try {
        search = await runSearch(space, evaluator, { ...settings, maxDrop: tolerance });
      } catch (e) {
        if (!(e instanceof BudgetError && e.rejected)) throw e;
        refused = e;
        search = e.rejected;
      }
      if (request.activations !== 'int8' || refused) break;
      const candidate = toInt8Plan(graph, assemble(search, null), data);
      int8 = { ...candidate, figures: { ...candidate.figures, data: { ...candidate.figures.data, final: planFigures(graph, candidate, data) } } };
      const excess = dataDrop(int8) - settings.maxDrop;
      const searched = settings.method.kind === 'laq' || settings.method.kind === 'lap' || settings.method.kind === 'laq+lap';
      if (!(excess > 0) || !searched || attempt === INT8_RETRIES || tolerance - excess - 0.05 <= 0) break;
      tolerance -= excess + 0.05;
    }
  } finally {
    await evaluator.close();
  }
  const searchSeconds = (performance.now() - start) / 1000;
  let testPair: FigurePair | null = null;
  if (request.test) {
    const testEvaluator = await evaluatorOn(graph, layers, request.test, settings.metric, request.threads);
    try {
      const final = int8 ? planFigures(graph, int8, request.test) : (await evaluateChoices(space, testEvaluator, search!.choices)).figures!;
      testPair = { dir: request.test.source, dataset: request.test.dataset, windows: request.test.count, baseline: testEvaluator.baseline.figures!, final };
    } finally {
      await testEvaluator.close();
    }
  }

  let plan = assemble(search!, testPair, searchSeconds);
  if (int8) plan = { ...plan, layers: int8.layers, totals: int8.totals, activations: int8.activations, figures: { ...plan.figures, data: int8.figures.data } };
  const missed = int8 && int8ConstraintMissed(plan);
  if (missed && !refused) refused = new BudgetError(`${missed}${attempt > 0 ? ', also after searching again with a tighter tolerance' : ''}`, []);
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
