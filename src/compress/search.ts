/**
 * What the compression policies (`ecgc compress --method`, one file each in
 * src/compress/policies/, chosen in policies/choose.ts) share. They are all measured on one
 * dataset through the Evaluator (so every score is the device's: dequantized weights, float32
 * activations). A0 is the full model's score (accuracy or macro F1, points) and D = --max-drop.
 *
 * Every candidate is also held to the other constraints (src/compress/constraints.ts): with
 * --max-class-drop, no class's recall more than that below the full model's; label-free, an
 * output SNR floor. A layer no choice suits stays float32, so laq, lap and laq+lap always meet
 * them; a fixed method's one plan is checked, and refused (exit 3) if it misses one.
 */
import { EXIT_BUDGET, EcgcError, fail } from '../errors.js';
import type { QuantizerFamily } from '../plan/quantize.js';
import { type LayerChoice, type RealizedLayer, choiceText } from './choice.js';
import { type Constraints, constraintsText, requirementOf, shortfalls } from './constraints.js';
import type { Requirement } from './early-stop.js';
import type { Evaluator, Outcome } from './evaluator.js';
import type { LayerImportance } from './importance.js';
import type { MetricName } from './metrics.js';
import type { Plan } from '../plan/plan.js';
import type { Rounding, ScaleFormat } from '../plan/quantize.js';
import type { SearchSpace } from './search-space.js';

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

/** A compression policy: how a method makes its plan, and the fewest bytes it can reach. */
export interface Policy {
  /** The method's plan within the constraints of `settings` (or its refusal, a BudgetError). */
  run(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings): Promise<SearchResult>;
  /** The choices of the fewest bytes the method can make, whatever the score: a flash budget below them is refused at once. */
  smallest(space: SearchSpace, family: QuantizerFamily): LayerChoice[];
}

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

/**
 * A plan's result, or its refusal (a BudgetError carrying it) when its figures miss the
 * constraints: a fixed plan, or a search that could not leave its start (on int8 activations
 * the start itself may miss them).
 */
export function checkedResult(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, result: SearchResult): SearchResult {
  if (evaluator.meets(result.final, requirementOf(settings, evaluator))) return result;
  const name = methodName(settings.method);
  const fits = settings.flash === undefined ? '' : ` (${space.bytes(result.choices)} bytes: fits --flash ${settings.flash})`;
  throw new BudgetError(`the ${name} plan${fits} misses the constraints (${constraintsText(settings, evaluator)}): ${shortfalls(settings, evaluator, result.final).join(', ')}`, [sketch(space, `${name} plan`, result.choices)], result);
}

export function sketch(space: SearchSpace, label: string, choices: LayerChoice[]): PlanSketch {
  const layers = choices.map((c, i) => ({ node: space.layers[i].node, choice: choiceText(c), bytes: space.realize(i, c).size.total }));
  return { label, bytes: layers.reduce((sum, l) => sum + l.bytes, 0), layers };
}

/** The complete evaluations of a search, in order (an early stop knows no score: it is no point). */
export class Trace {
  readonly points: TracePoint[] = [];

  record(outcome: Outcome, bytes: number, label: string): void {
    if (outcome.complete) this.points.push({ bytes, score: outcome.score, label });
  }
}

export function searchResult(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, choices: LayerChoice[], final: Outcome, gamma: number | null, trace: TracePoint[]): SearchResult {
  return { method: methodName(settings.method), choices, realized: choices.map((c, i) => space.realize(i, c)), importance: space.importance, baseline: evaluator.baseline, final, gamma, tolerance: settings.maxDrop, trace };
}

/** A policy's plan, the last point of its trace. */
export function planResult(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, choices: LayerChoice[], final: Outcome, gamma: number | null, trace: Trace): SearchResult {
  trace.record(final, space.bytes(choices), `${methodName(settings.method)} plan`);
  return searchResult(space, evaluator, settings, choices, final, gamma, trace.points);
}

/** Evaluates choices (every layer changed) completely, or with a requirement until it cannot be met. */
export async function evaluateChoices(space: SearchSpace, evaluator: Evaluator, choices: LayerChoice[], requirement?: Requirement): Promise<Outcome> {
  return evaluator.evaluate(new Map(choices.map((c, i) => [i, space.realize(i, c)] as const)), requirement);
}
