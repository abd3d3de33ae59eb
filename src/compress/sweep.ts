/**
 * `ecgc sweep`: the paper's Table 1 for any model. Rows: full precision; fixed uniform
 * quantization at 8..1 bits; the codebook quantizer at 8..2 bits (uniform against codebook);
 * fixed pruning at 10/30/50/70/90%; LAQ with the rule as printed and as intended; LAP; and
 * LAQ+LAP with the LAQ rule that won. Every row is chosen on --data (the policies search
 * there) and, with --test, reported on the held-out windows too. The LAQ winner is the rule
 * whose plan is smaller (both meet --max-drop on --data by construction); on equal size,
 * the higher score on --data.
 */
import { performance } from 'node:perf_hooks';
import type { Graph } from '../ir/graph.js';
import type { Calibration } from './calibration.js';
import { type LayerChoice, planLayer } from './choice.js';
import { FLOAT_BITS } from '../plan/quantize.js';
import { requirementOf } from './constraints.js';
import { evaluatorOn, openSearch } from './compress.js';
import type { Outcome } from './evaluator.js';
import { type Figures, type SizeTotals, modelIdentity, sizeTotals } from '../plan/plan.js';
import { runSearch } from './policies/choose.js';
import { FLOAT_CHOICE } from './search-space.js';
import { type LaqRule, type MethodSpec, type SearchSettings, evaluateChoices } from './search.js';
import { type Sensitivity, measureSensitivity } from './sensitivity.js';

export const SWEEP_SCHEMA = 'ecgc.sweep/1';

export interface SweepRow {
  name: string;
  method: string;
  quantizer: string;
  laqRule: LaqRule | null;
  /** LAQ's gamma as used (laq, laq+lap rows). */
  gamma: number | null;
  bits: number[];
  sparsity: number[];
  totals: { layers: SizeTotals; model: SizeTotals };
  data: Figures;
  test: Figures | null;
  /** Whether the row's score on --data is within --max-drop of the full model's (and, label-free, its SNR above the floor). */
  meetsMaxDrop: boolean;
  /** With --max-class-drop: whether no class's recall on --data falls more than that below the full model's (null: not asked). */
  meetsMaxClassDrop: boolean | null;
  seconds: number;
}

export interface Sweep {
  schema: typeof SWEEP_SCHEMA;
  tool: { name: 'ecgc'; version: string };
  model: ReturnType<typeof modelIdentity>;
  data: { dir: string | null; windows: number; labelFree: boolean };
  test: { dir: string | null; windows: number } | null;
  /** gamma: as given (null: derived per rule from maxDrop, see the rows). */
  settings: { metric: SearchSettings['metric']; maxDrop: number; maxClassDrop?: number | null; alpha: number; beta: number; gamma: number | null; quantizer: string; scaleFormat?: SearchSettings['scaleFormat']; rounding?: SearchSettings['rounding']; minSnrDb: number | null };
  layers: { node: string; weights: number; importance: number; rho: number; delta: number }[];
  rows: SweepRow[];
  laqWinner: { rule: LaqRule; why: string };
  sensitivity: Sensitivity | null;
  search: { candidates: number; evaluations: number; seconds: number };
}

export interface SweepRequest {
  graph: Graph;
  modelFile: string;
  modelBytes: Uint8Array;
  data: Calibration;
  test?: Calibration;
  settings: Omit<SearchSettings, 'method' | 'laqRule' | 'flash'>;
  threads?: number;
  sensitivity: boolean;
  version: string;
  progress?: (done: number, total: number, what: string) => void;
}

export async function runSweep(request: SweepRequest): Promise<Sweep> {
  const { graph, data, settings } = request;
  const start = performance.now();
  const { layers, space, evaluator, explain } = await openSearch(graph, request.modelFile, data, settings, request.threads);
  const testEvaluator = request.test ? await evaluatorOn(graph, layers, request.test, settings.metric, request.threads, undefined, explain) : undefined;
  const rows: SweepRow[] = [];
  const steps = 1 + 8 + 7 + 5 + 4 + (request.sensitivity ? 1 : 0);
  let step = 0;
  const progress = (what: string) => request.progress?.(step++, steps, what);
  let sensitivity: Sensitivity | null = null;
  try {
    const addRow = async (name: string, method: string, quantizer: string, laqRule: LaqRule | null, gamma: number | null, choices: LayerChoice[], outcome: Outcome, seconds: number) => {
      const test = testEvaluator ? (choices.every((c) => c === FLOAT_CHOICE) ? testEvaluator.baseline : await evaluateChoices(space, testEvaluator, choices)) : undefined;
      const planLayers = layers.map((l, i) => planLayer(l, space.importance[i], space.realize(i, choices[i])));
      rows.push({
        name,
        method,
        quantizer,
        laqRule,
        gamma,
        bits: choices.map((c) => c.bits),
        sparsity: planLayers.map((l) => l.sparsity),
        totals: sizeTotals(graph, planLayers),
        data: outcome.figures!,
        test: test?.figures ?? null,
        meetsMaxDrop: evaluator.meets(outcome, requirementOf({ maxDrop: settings.maxDrop, minSnrDb: settings.minSnrDb }, evaluator)),
        meetsMaxClassDrop: settings.maxClassDrop === undefined ? null : evaluator.failingClasses(outcome.figures!, settings).length === 0,
        seconds,
      });
    };
    const fixed = async (name: string, quantizer: string, choice: LayerChoice) => {
      progress(name);
      const t = performance.now();
      const choices = layers.map(() => choice);
      await addRow(name, name.split(' ')[0], quantizer, null, null, choices, await evaluateChoices(space, evaluator, choices), (performance.now() - t) / 1000);
    };
    const searched = async (name: string, method: MethodSpec, laqRule: LaqRule) => {
      progress(name);
      const t = performance.now();
      const result = await runSearch(space, evaluator, { ...settings, method, laqRule, quantizer: settings.quantizer });
      await addRow(name, result.method, settings.quantizer, method.kind === 'lap' ? null : laqRule, result.gamma, result.choices, result.final, (performance.now() - t) / 1000);
      return result;
    };

    progress('full precision');
    await addRow('full precision', 'float32', 'float32', null, null, layers.map(() => FLOAT_CHOICE), evaluator.baseline, 0);
    for (let bits = 8; bits >= 1; bits--) await fixed(`fixed-q:${bits}`, bits === 1 ? 'sign' : 'uniform', { bits, family: 'uniform', prune: 0 });
    for (let bits = 8; bits >= 2; bits--) await fixed(`fixed-q:${bits} codebook`, 'codebook', { bits, family: 'codebook', prune: 0 });
    for (const p of [10, 30, 50, 70, 90]) await fixed(`fixed-p:${p}`, 'float32', { bits: FLOAT_BITS, family: 'uniform', prune: p / 100 });
    const printed = await searched('laq (printed rule)', { kind: 'laq' }, 'printed');
    const intended = await searched('laq (intended rule)', { kind: 'laq' }, 'intended');
    const [printedRow, intendedRow] = rows.slice(-2);
    const printedBytes = space.bytes(printed.choices);
    const intendedBytes = space.bytes(intended.choices);
    const rule: LaqRule =
      printedBytes !== intendedBytes ? (printedBytes < intendedBytes ? 'printed' : 'intended') : printed.final.score > intended.final.score ? 'printed' : 'intended';
    const why =
      printedBytes !== intendedBytes
        ? `smaller plan at the same constraint: ${Math.min(printedBytes, intendedBytes)} vs ${Math.max(printedBytes, intendedBytes)} bytes (CR ${printedRow.totals.layers.compressionRatio.toFixed(2)}x printed, ${intendedRow.totals.layers.compressionRatio.toFixed(2)}x intended)`
        : printed.final.score !== intended.final.score
          ? `equal size (${printedBytes} bytes); higher score on --data`
          : `equal size (${printedBytes} bytes) and score: a tie, reported as intended`;
    await searched('lap', { kind: 'lap' }, rule);
    await searched(`laq+lap (${rule} rule)`, { kind: 'laq+lap' }, rule);
    if (request.sensitivity) {
      progress('sensitivity');
      sensitivity = await measureSensitivity(space, evaluator, [1, 2, 3, 4, 5, 6, 7, 8], settings.quantizer);
    }
    request.progress?.(steps, steps, 'done');
    return {
      schema: SWEEP_SCHEMA,
      tool: { name: 'ecgc', version: request.version },
      model: modelIdentity(graph, request.modelFile, request.modelBytes),
      data: { dir: data.source, windows: data.count, labelFree: data.labels === undefined },
      test: request.test ? { dir: request.test.source, windows: request.test.count } : null,
      settings: { metric: settings.metric, maxDrop: settings.maxDrop, maxClassDrop: settings.maxClassDrop ?? null, alpha: settings.alpha, beta: settings.beta, gamma: settings.gamma ?? null, quantizer: settings.quantizer, scaleFormat: settings.scaleFormat, rounding: settings.rounding, minSnrDb: settings.minSnrDb ?? null },
      layers: layers.map((l, i) => ({ node: l.node, weights: l.rows * l.rowLength, importance: space.importance[i].importance, rho: space.importance[i].rho, delta: space.importance[i].delta })),
      rows,
      laqWinner: { rule, why },
      sensitivity,
      search: { candidates: evaluator.candidates + (testEvaluator?.candidates ?? 0), evaluations: Number((evaluator.evaluations + (testEvaluator?.evaluations ?? 0)).toFixed(3)), seconds: Number(((performance.now() - start) / 1000).toFixed(2)) },
    };
  } finally {
    await evaluator.close();
    await testEvaluator?.close();
  }
}
