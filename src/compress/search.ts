/**
 * The compression policies (`ecgc compress --method`), all measured on one dataset through
 * the Evaluator (so every score is the device's: dequantized weights, float32 activations).
 * A0 is the full model's score (accuracy or macro F1, points) and D = --max-drop.
 *
 *  fixed-q:B  every layer at B bits (B = 1: sign; 2..8: the chosen quantizer). No search.
 *  fixed-p:P  every layer float32 with its P-th percentile of |W| pruned (P in percent). No search.
 *  laq        greedy, layer by layer, largest layer (float32 bytes) first; decisions stay:
 *             b_l = min { b in 1..8 : score(layers decided so far, l at b) >= min(A0 - t_l, S) },
 *             float32 if no b qualifies, where S is the score of the layers decided so far
 *             (a layer that costs nothing is taken even once the earlier ones have used more
 *             than its tolerance). The tolerance t_l = min(D, gamma * w_l) with
 *               printed  (the paper's inequality as printed)  w_l = I_l
 *               intended (what its text means: important layers lose less)  w_l = 1 - I_l
 *             and gamma, unless given, D / max_k w_k (the most tolerant layer may use all of
 *             D). Every t_l <= D, S >= A0 - D, and scores are cumulative, so the plan meets
 *             A0 - D. Largest first because the bytes are there: in graph order the tolerance
 *             went to the first layers, and ArrhythmiNet V1's last, largest layer stayed float32.
 *  lap        float32 weights, layer l pruned at p_l(s) = min(0.95, s * (1 - I_l) / max_k (1 - I_k))
 *             (more important layers are pruned less): the largest s in 0.95, 0.9, 0.8, ..., 0.1
 *             whose plan scores >= A0 - D. (A pruned float32 layer is stored as indices and its
 *             nonzero float32 weights when that is smaller, so pruning alone saves flash from
 *             about 50% sparsity on.)
 *  laq+lap    laq, then a second greedy pass in the same order that prunes on top: for layer l
 *             with laq's b_l, every (b in b_l..8, p in 0.1, ..., 0.9 with p <= 0.9 * (1 - I_l) /
 *             max_k (1 - I_k): more important layers are pruned less) smaller than the layer's
 *             laq choice is tried from the fewest bytes up, and the first that meets the same
 *             min(A0 - t_l, S) is kept (b < b_l is not tried: those failed even unpruned; a float32
 *             layer stays float32; a layer whose pruning could save less than 1% of the plan's
 *             bytes is not tried: its candidates would cost a whole evaluation each for
 *             nothing). A laq+lap plan is never larger than the laq plan of the same rule.
 *
 * Every candidate is also held to the other constraints (src/compress/constraints.ts): with
 * --max-class-drop, no class's recall more than that below the full model's; label-free, an
 * output SNR floor. A layer no choice suits stays float32, so laq, lap and laq+lap always meet
 * them; a fixed method's one plan is checked, and refused (exit 3) if it misses one.
 *
 * With a flash budget (--flash) the objective becomes the best score that fits, still within
 * the constraints (D = --max-drop, 0.5 unless lifted with --max-drop none): the smallest size
 * the method can reach at all (any score) is checked first (exit 3 if it does not fit); then
 * laq and laq+lap run with gamma searched for (x4 steps from 0.25 / max w, then three
 * bisection steps), each layer's tolerance min(D, gamma * w_l): the plan of the smallest
 * gamma that fits, i.e. the least loss of the rule's family (the searched gamma replaces
 * --gamma); lap takes, of its scales (and no pruning) whose plan fits, the best that meets the
 * constraints. If nothing fits within the constraints, exit 3, naming the smallest plan that
 * meets them and the best plan that fits (the same search without constraints) with what it
 * misses; that plan is the error's `rejected`.
 */
import { EXIT_BUDGET, EcgcError, fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { type LayerChoice, LayerWeights, type RealizedLayer, choiceText } from './choice.js';
import { FLOAT_BITS, type QuantizerFamily } from '../plan/quantize.js';
import { type Constraints, constraintsText, requirementOf, shortfalls, unconstrained } from './constraints.js';
import type { Evaluator, MetricName, Outcome } from './evaluator.js';
import { type LayerImportance, layerImportance } from './importance.js';
import { type WeightLayer, readRows } from '../plan/layers.js';
import { Compensation } from './gptq.js';
import type { LayerHessian } from './hessian.js';
import type { Plan } from '../plan/plan.js';
import type { Rounding, ScaleFormat } from '../plan/quantize.js';

export type MethodSpec = { kind: 'fixed-q'; bits: number } | { kind: 'fixed-p'; prune: number } | { kind: 'laq' } | { kind: 'lap' } | { kind: 'laq+lap' };
export type LaqRule = 'printed' | 'intended';

export interface SearchSettings extends Constraints {
  method: MethodSpec;
  metric: MetricName;
  flash?: number;
  alpha: number;
  beta: number;
  gamma?: number;
  laqRule: LaqRule;
  quantizer: QuantizerFamily;
  /** How quantized layers store their scales. */
  scaleFormat: ScaleFormat;
  /** How weights are rounded to codes: to nearest, or with error compensation (src/compress/gptq.ts). */
  rounding: Rounding;
  progress?: (done: number, total: number, what: string) => void;
}

/** A complete evaluation seen during the search: a point of the accuracy / size chart. */
export interface TracePoint {
  bytes: number;
  score: number;
  label: string;
}

export interface SearchResult {
  method: string;
  choices: LayerChoice[];
  realized: RealizedLayer[];
  importance: LayerImportance[];
  baseline: Outcome;
  final: Outcome;
  /** gamma as used (laq, laq+lap). */
  gamma: number | null;
  /** The cap on every layer's tolerance, points (maxDrop: Infinity when lifted). */
  tolerance: number;
  trace: TracePoint[];
}

export const FLOAT_CHOICE: LayerChoice = { bits: FLOAT_BITS, family: 'uniform', prune: 0 };
const JOINT_PRUNE_GRID = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** laq+lap's pruning stage leaves alone a layer whose pruning could save less than this share of the plan's bytes. */
const MIN_PRUNING_SAVING = 0.01;
const LAP_SCALES = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

export function methodName(method: MethodSpec): string {
  if (method.kind === 'fixed-q') return `fixed-q:${method.bits}`;
  if (method.kind === 'fixed-p') return `fixed-p:${+(100 * method.prune).toFixed(4)}`;
  return method.kind;
}

export function parseMethod(text: string): MethodSpec {
  const fixed = /^fixed-([qp]):(.+)$/.exec(text);
  if (fixed) {
    const value = Number(fixed[2]);
    if (fixed[1] === 'q') {
      if (!Number.isInteger(value) || value < 1 || value > 8) fail(`--method ${text}: bits must be an integer 1..8`);
      return { kind: 'fixed-q', bits: value };
    }
    if (!(value >= 0 && value < 100)) fail(`--method ${text}: the pruning percentile must be in [0, 100)`);
    return { kind: 'fixed-p', prune: value / 100 };
  }
  if (text === 'laq' || text === 'lap' || text === 'laq+lap') return { kind: text };
  fail(`--method '${text}' is not one of fixed-q:B (B = 1..8), fixed-p:P (P in percent), laq, lap, laq+lap`);
}

/** The weights, importance and realized-choice cache a search works from. */
export class SearchSpace {
  readonly weights: LayerWeights[];
  readonly importance: LayerImportance[];
  private readonly memo = new Map<string, RealizedLayer>();

  constructor(
    graph: Graph,
    readonly layers: WeightLayer[],
    alpha: number,
    beta: number,
    scaleFormat: ScaleFormat = 'float32',
    /**
     * For error-compensating rounding: gathers every layer's H (null: that layer rounds plainly),
     * called once, when a layer is first rounded; none: plain rounding everywhere.
     */
    hessians?: () => (LayerHessian | null)[],
  ) {
    let compensations: (Compensation | undefined)[] | undefined;
    const compensation = hessians && ((i: number) => (compensations ??= hessians().map((h) => (h ? new Compensation(h) : undefined)))[i]);
    this.weights = layers.map((l, i) => new LayerWeights(l, readRows(graph, l), scaleFormat, compensation && (() => compensation(i))));
    this.importance = layerImportance(graph, layers, alpha, beta);
  }

  realize(layerIndex: number, choice: LayerChoice): RealizedLayer {
    const key = `${layerIndex}/${choice.bits}/${choice.bits === FLOAT_BITS || choice.bits === 1 ? '' : choice.family}/${choice.prune}`;
    let realized = this.memo.get(key);
    if (!realized) {
      realized = this.weights[layerIndex].realize(choice);
      this.memo.set(key, realized);
    }
    return realized;
  }

  bytes(choices: LayerChoice[]): number {
    return choices.reduce((sum, c, i) => sum + this.realize(i, c).size.total, 0);
  }

  /** The choices a method may give layer i (besides float32); for laq+lap, those of its pruning stage. */
  options(method: MethodSpec, layerIndex: number, family: QuantizerFamily): LayerChoice[] {
    const bitsRange = [1, 2, 3, 4, 5, 6, 7, 8];
    switch (method.kind) {
      case 'fixed-q':
        return [{ bits: method.bits, family, prune: 0 }];
      case 'fixed-p':
        return [{ bits: FLOAT_BITS, family, prune: method.prune }];
      case 'laq':
        return bitsRange.map((bits) => ({ bits, family, prune: 0 }));
      case 'lap':
        return LAP_SCALES.map((s) => ({ bits: FLOAT_BITS, family, prune: this.lapPrune(layerIndex, s) }));
      case 'laq+lap': {
        const cap = 0.9 * this.pruneShare(layerIndex);
        return bitsRange.flatMap((bits) => JOINT_PRUNE_GRID.filter((p) => p > 0 && p <= cap + 1e-12).map((prune) => ({ bits, family, prune })));
      }
    }
  }

  /** (1 - I_l) / max_k (1 - I_k): 1 for the least important layer. */
  pruneShare(layerIndex: number): number {
    const max = Math.max(...this.importance.map((m) => 1 - m.importance));
    return max > 0 ? (1 - this.importance[layerIndex].importance) / max : 1;
  }

  lapPrune(layerIndex: number, scale: number): number {
    return Math.min(0.95, scale * this.pruneShare(layerIndex));
  }

  /** The smallest bytes the method can reach, whatever the score, and the choices that reach it. */
  smallest(method: MethodSpec, family: QuantizerFamily): LayerChoice[] {
    if (method.kind === 'fixed-q' || method.kind === 'fixed-p') return this.layers.map((_, i) => this.options(method, i, family)[0]);
    return this.layers.map((_, i) =>
      [...this.options(method, i, family), ...(method.kind === 'laq+lap' ? this.options({ kind: 'laq' }, i, family) : []), FLOAT_CHOICE].reduce((best, c) => (this.realize(i, c).size.total < this.realize(i, best).size.total ? c : best)),
    );
  }
}

/** A plan's per-layer choices and bytes, as a refused budget prints them. */
export interface PlanSketch {
  label: string;
  bytes: number;
  layers: { node: string; choice: string; bytes: number }[];
}

export class BudgetError extends EcgcError {
  /** The rejected plan assembled (by compressModel), when there is one. */
  plan?: Plan;

  constructor(
    message: string,
    /** The plans the message names, for the per-layer breakdown. */
    readonly plans: PlanSketch[],
    /** The best plan that fits the budget but misses a constraint (none when nothing fits at all). */
    readonly rejected?: SearchResult,
  ) {
    super(message, EXIT_BUDGET);
  }
}

export async function runSearch(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings): Promise<SearchResult> {
  const { method } = settings;
  const name = methodName(method);
  if (settings.flash !== undefined) {
    const smallest = space.smallest(method, settings.quantizer);
    const bytes = space.bytes(smallest);
    if (bytes > settings.flash) {
      throw new BudgetError(`no ${name} plan fits --flash ${settings.flash} bytes: the smallest it can make is ${bytes} bytes (whatever the accuracy)`, [sketch(space, 'smallest achievable', smallest)]);
    }
    if (method.kind === 'laq' || method.kind === 'laq+lap') return searchUnderBudget(space, evaluator, settings, settings.flash);
    if (method.kind === 'lap') return lapUnderBudget(space, evaluator, settings, settings.flash);
  }
  const result = await runPolicy(space, evaluator, settings, settings.maxDrop);
  // Only a fixed method can miss (see above): its plan is the only one it has.
  if (!evaluator.meets(result.final, requirementOf(settings, evaluator))) {
    const fits = settings.flash === undefined ? '' : ` (${space.bytes(result.choices)} bytes: fits --flash ${settings.flash})`;
    throw new BudgetError(`the ${name} plan${fits} misses the constraints (${constraintsText(settings, evaluator)}): ${shortfalls(settings, evaluator, result.final).join(', ')}`, [sketch(space, `${name} plan`, result.choices)], result);
  }
  return result;
}

function sketch(space: SearchSpace, label: string, choices: LayerChoice[]): PlanSketch {
  const layers = choices.map((c, i) => ({ node: space.layers[i].node, choice: choiceText(c), bytes: space.realize(i, c).size.total }));
  return { label, bytes: layers.reduce((sum, l) => sum + l.bytes, 0), layers };
}

/**
 * Nothing fits within the constraints: names the smallest plan that meets them (`smallest`)
 * and the best that fits without them (`best`, undefined if none does), which is `rejected`.
 */
function infeasible(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, flash: number, smallest: SearchResult, best: SearchResult | undefined): BudgetError {
  const within = `within the constraints (${constraintsText(settings, evaluator)})`;
  const smallestBytes = space.bytes(smallest.choices);
  const bestText = best ? `; the best plan that fits (${space.bytes(best.choices)} bytes) misses them: ${shortfalls(settings, evaluator, best.final).join(', ')}` : '';
  const plans = [sketch(space, 'smallest within the constraints', smallest.choices), ...(best ? [sketch(space, 'best that fits', best.choices)] : [])];
  return new BudgetError(`no ${smallest.method} plan fits --flash ${flash} bytes ${within}: the smallest that meets them is ${smallestBytes} bytes${bestText}`, plans, best);
}

const BISECTION_STEPS = 3;

/** laq / laq+lap under a budget (see above); without a plan within the constraints, the search again without them, for the error. */
async function searchUnderBudget(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, flash: number): Promise<SearchResult> {
  const constrained = await leastLossThatFits(space, evaluator, settings, flash, 'within the constraints');
  if (constrained.fits) return constrained.result;
  const free = await leastLossThatFits(space, evaluator, unconstrained(settings), flash, 'without the constraints (none fits within them)');
  // (the greedy searches are not monotone: the unconstrained one may find a plan within them)
  if (free.fits && evaluator.meets(free.result.final, requirementOf(settings, evaluator))) return free.result;
  throw infeasible(space, evaluator, settings, flash, constrained.result, free.fits ? free.result : undefined);
}

/** The plan of the smallest gamma that fits (fits: true), or the plan at the largest tolerances, which does not (fits: false). */
async function leastLossThatFits(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, flash: number, purpose: string): Promise<{ fits: boolean; result: SearchResult }> {
  const fits = (r: SearchResult) => space.bytes(r.choices) <= flash;
  const cap = settings.maxDrop;
  const weight = laqWeights(space, settings.laqRule);
  const wMax = Math.max(...weight);
  const wMin = Math.min(...weight.map((w) => Math.max(w, 1e-3 * wMax)));
  // gamma grows 4x from "the most tolerant layer may lose 0.25 points" until the plan fits, or
  // until every layer's tolerance is at the cap (or 100 points: no constraint left).
  let gamma = 0.25 / wMax;
  // Each pass is a whole search: the progress says which, of at most how many.
  const passes = Math.max(0, Math.ceil(Math.log(Math.min(cap, 100) / (gamma * wMin)) / Math.log(4))) + 1 + BISECTION_STEPS;
  let pass = 0;
  const run = (g: number) => {
    const label = `budget search ${purpose}, pass ${++pass} of at most ${passes}`;
    return runPolicy(space, evaluator, { ...settings, gamma: g, progress: settings.progress && ((done, total, what) => settings.progress!(done, total, `${label}: ${what}`)) }, cap);
  };
  let low: number | undefined;
  let best: SearchResult;
  for (;;) {
    const result = await run(gamma);
    if (fits(result)) {
      best = result;
      break;
    }
    if (gamma * wMin >= Math.min(cap, 100)) return { fits: false, result };
    low = gamma;
    gamma *= 4;
  }
  // Bisection between the largest gamma that did not fit and the smallest that did.
  if (low !== undefined) {
    let lowGamma = low;
    let high = gamma;
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const middle = (lowGamma + high) / 2;
      const result = await run(middle);
      if (fits(result)) {
        best = result;
        high = middle;
      } else {
        lowGamma = middle;
      }
    }
  }
  return { fits: true, result: best };
}

/**
 * lap under a budget: of the scales (and no pruning) whose plan fits, the best score within the
 * constraints. Only the plans that fit are evaluated; when none of them meets the constraints,
 * the others, smallest first, until one does: the error names the smallest that meets them.
 */
async function lapUnderBudget(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, flash: number): Promise<SearchResult> {
  await evaluator.resetCommits();
  const requirement = requirementOf(settings, evaluator);
  const plans = [0, ...LAP_SCALES].map((scale) => {
    const choices = lapChoices(space, settings.quantizer, scale);
    return { scale, choices, bytes: space.bytes(choices), final: undefined as Outcome | undefined };
  });
  type LapPlan = (typeof plans)[number] & { final: Outcome };
  let step = 0;
  const evaluate = async (plan: (typeof plans)[number]): Promise<LapPlan> => {
    if (!plan.final) {
      settings.progress?.(step++, plans.length, `lap: prune scale ${plan.scale}`);
      plan.final = plan.scale === 0 ? evaluator.baseline : await evaluateChoices(space, evaluator, plan.choices);
    }
    return plan as LapPlan;
  };
  const fitting: LapPlan[] = [];
  for (const plan of plans.filter((p) => p.bytes <= flash)) fitting.push(await evaluate(plan));
  const best = (candidates: LapPlan[]) => candidates.reduce<LapPlan | undefined>((a, b) => (a === undefined || b.final.score > a.final.score ? b : a), undefined);
  const chosen = best(fitting.filter((p) => evaluator.meets(p.final, requirement)));
  // None that fits meets the constraints: the smallest that does (the first of the fewest bytes, as the scales go;
  // there is one: no pruning, the full model, meets them).
  let smallest: LapPlan | undefined;
  if (!chosen) {
    for (const plan of plans.filter((p) => p.bytes > flash).sort((a, b) => a.bytes - b.bytes)) {
      if (evaluator.meets((await evaluate(plan)).final, requirement)) {
        smallest = plan as LapPlan;
        break;
      }
    }
  }
  settings.progress?.(1, 1, 'done');
  // The trace: the plans evaluated, in the order of the scales.
  const trace: TracePoint[] = plans.flatMap((p) => (p.final ? [{ bytes: p.bytes, score: p.final.score, label: `lap s=${p.scale}` }] : []));
  const result = (p: LapPlan) => searchResult(space, evaluator, settings.method, p.choices, p.final, null, settings.maxDrop, trace);
  if (chosen) return result(chosen);
  const fits = best(fitting);
  throw infeasible(space, evaluator, settings, flash, result(smallest!), fits && result(fits));
}

/** lap's plan at prune scale `scale`: every layer float32, layer i pruned at space.lapPrune(i, scale) (scale 0: the full model). */
function lapChoices(space: SearchSpace, family: QuantizerFamily, scale: number): LayerChoice[] {
  return space.layers.map((_, i): LayerChoice => ({ bits: FLOAT_BITS, family, prune: space.lapPrune(i, scale) }));
}

/** LAQ's per-layer weights w_l: I_l (printed) or 1 - I_l (intended). */
function laqWeights(space: SearchSpace, rule: LaqRule): number[] {
  return space.importance.map((m) => (rule === 'printed' ? m.importance : 1 - m.importance));
}

/** The method's plan under tolerance `tolerance` (points). */
async function runPolicy(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, tolerance: number): Promise<SearchResult> {
  const { method } = settings;
  const L = space.layers.length;
  const A0 = evaluator.baseline.score;
  const trace: TracePoint[] = [];
  const choices: LayerChoice[] = space.layers.map(() => FLOAT_CHOICE);
  const requirement = (drop: number) => requirementOf(settings, evaluator, drop);
  const record = (outcome: Outcome, bytes: number, label: string) => {
    if (outcome.complete) trace.push({ bytes, score: outcome.score, label });
  };
  const changesOf = (cs: LayerChoice[]) => new Map(cs.map((c, i) => [i, space.realize(i, c).dequantized] as const));
  let gamma: number | null = null;
  // The complete outcome of the plan so far (an accepted candidate becomes it): the searches need no final run.
  let committed: Outcome = evaluator.baseline;

  await evaluator.resetCommits();
  if (method.kind === 'fixed-q' || method.kind === 'fixed-p') {
    const all = space.layers.map((_, i) => space.options(method, i, settings.quantizer)[0]);
    choices.splice(0, L, ...all);
  } else if (method.kind === 'lap') {
    let step = 0;
    for (const scale of LAP_SCALES) {
      settings.progress?.(step++, LAP_SCALES.length, `lap: prune scale ${scale}`);
      const candidate = lapChoices(space, settings.quantizer, scale);
      const outcome = await evaluator.evaluate(changesOf(candidate), requirement(tolerance));
      record(outcome, space.bytes(candidate), `lap s=${scale}`);
      if (outcome.accepted) {
        choices.splice(0, L, ...candidate);
        committed = outcome;
        break;
      }
    }
  } else {
    const weight = laqWeights(space, settings.laqRule);
    gamma = settings.gamma ?? (Math.max(...weight) > 0 ? tolerance / Math.max(...weight) : 0);
    const drops = weight.map((w) => Math.min(tolerance, gamma! * w));
    // Stage 1 (laq, and the first stage of laq+lap): bits. Stage 2 (laq+lap): pruning on top.
    const stages: MethodSpec[] = method.kind === 'laq' ? [method] : [{ kind: 'laq' }, method];
    // Largest layers first (see above).
    const order = space.layers.map((_, i) => i).sort((a, b) => space.realize(b, FLOAT_CHOICE).size.total - space.realize(a, FLOAT_CHOICE).size.total || a - b);
    for (const [stage, stageMethod] of stages.entries()) {
      for (const [step, i] of order.entries()) {
        settings.progress?.(stage * L + step, stages.length * L, `${method.kind}: ${stage === 0 ? 'bits' : 'pruning'} of ${space.layers[i].node}`);
        const current = space.realize(i, choices[i]).size.total;
        // Stage 2 keeps at least the bits of stage 1 (fewer bits already failed unpruned), and
        // skips a layer whose pruning could not save 1% of the plan's bytes.
        let options = dedupe(space, i, space.options(stageMethod, i, settings.quantizer)).filter(
          (o) => stage === 0 || (space.realize(i, o).size.total < current && o.bits >= choices[i].bits && choices[i].bits !== FLOAT_BITS),
        );
        if (stage === 1 && options.length > 0 && current - space.realize(i, options[0]).size.total < MIN_PRUNING_SAVING * space.bytes(choices)) options = [];
        if (options.length === 0) continue;
        await evaluator.focus(i);
        for (const option of options) {
          const trial = choices.slice();
          trial[i] = option;
          const outcome = await evaluator.evaluate(new Map([[i, space.realize(i, option).dequantized]]), requirement(Math.max(drops[i], A0 - committed.score)));
          record(outcome, space.bytes(trial), `${space.layers[i].node} ${choiceText(option)}`);
          if (outcome.accepted) {
            choices[i] = option;
            committed = outcome;
            break;
          }
        }
        await evaluator.commit(i, space.realize(i, choices[i]).dequantized);
      }
    }
  }
  settings.progress?.(1, 1, 'done');
  const final = method.kind === 'fixed-q' || method.kind === 'fixed-p' ? await evaluator.evaluate(changesOf(choices)) : committed;
  record(final, space.bytes(choices), `${methodName(method)} plan`);
  return searchResult(space, evaluator, method, choices, final, gamma, tolerance, trace);
}

function searchResult(space: SearchSpace, evaluator: Evaluator, method: MethodSpec, choices: LayerChoice[], final: Outcome, gamma: number | null, tolerance: number, trace: TracePoint[]): SearchResult {
  return { method: methodName(method), choices, realized: choices.map((c, i) => space.realize(i, c)), importance: space.importance, baseline: evaluator.baseline, final, gamma, tolerance, trace };
}

/** Options sorted by bytes (then more bits first), without ones whose weights equal a cheaper one's. */
function dedupe(space: SearchSpace, layerIndex: number, options: LayerChoice[]): LayerChoice[] {
  const realized = options.map((o) => ({ o, r: space.realize(layerIndex, o) }));
  realized.sort((a, b) => a.r.size.total - b.r.size.total || b.o.bits - a.o.bits || a.o.prune - b.o.prune);
  const kept: typeof realized = [];
  for (const item of realized) {
    if (item.r.sparsity >= 1) continue;
    if (kept.some((k) => sameValues(k.r.dequantized, item.r.dequantized))) continue;
    kept.push(item);
  }
  return kept.map((k) => k.o);
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Evaluates choices (every layer changed) completely. */
export async function evaluateChoices(space: SearchSpace, evaluator: Evaluator, choices: LayerChoice[]): Promise<Outcome> {
  return evaluator.evaluate(new Map(choices.map((c, i) => [i, space.realize(i, c).dequantized] as const)));
}
