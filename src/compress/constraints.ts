/**
 * The constraints a plan is held to, besides a flash budget: its score at most --max-drop
 * points below the full model's, every class's recall at most --max-class-drop points below
 * the full model's (label-free: each full-model class's top-1 agreement), and label-free an
 * output SNR floor. As a Requirement for the evaluator, and in words for the user.
 */
import { EPSILON, type Requirement } from './early-stop.js';
import type { Evaluator, Outcome } from './evaluator.js';
import type { MetricName } from './metrics.js';

export interface Constraints {
  /** Points the score may lose against the full model; Infinity: no score constraint. */
  maxDrop: number;
  /** Points of recall any one class may lose against the full model; undefined: no such constraint. */
  maxClassDrop?: number;
  /** Label-free: the least output SNR against the full model, dB; undefined: none. */
  minSnrDb?: number;
  /** How far the explanations' mean rank correlation with the full model's may fall below 1; undefined: none. */
  maxExplanationDrift?: number;
}

/** The requirement of `settings` with a score tolerance of `drop` points (default: --max-drop). */
export function requirementOf(settings: Constraints, evaluator: Evaluator, drop = settings.maxDrop): Requirement {
  return {
    minScore: evaluator.baseline.score - drop,
    minSnrDb: settings.minSnrDb,
    maxClassDrop: settings.maxClassDrop,
    minExplanationAgreement: settings.maxExplanationDrift === undefined ? undefined : 1 - settings.maxExplanationDrift,
  };
}

export function unconstrained<S extends Constraints>(settings: S): S {
  return { ...settings, maxDrop: Infinity, maxClassDrop: undefined, minSnrDb: undefined, maxExplanationDrift: undefined };
}

/** What the score is: label-free, top-1 agreement with the full model; else the metric against the labels. */
export function scoreName(labelFree: boolean, metric: MetricName): string {
  if (labelFree) return 'top-1 agreement';
  return metric === 'f1' ? 'macro F1' : 'accuracy';
}

const points = (value: number) => `${value.toFixed(2)}%`;

/** The constraints in words, with the thresholds they put on this data: "accuracy >= 97.89% (...)". */
export function constraintsText(settings: Constraints, evaluator: Evaluator): string {
  const A0 = evaluator.baseline.score;
  const parts: string[] = [];
  if (Number.isFinite(settings.maxDrop)) parts.push(`${scoreName(!evaluator.labeled, evaluator.metric)} >= ${points(A0 - settings.maxDrop)} (--max-drop ${settings.maxDrop} below the full model's ${points(A0)})`);
  if (settings.maxClassDrop !== undefined) parts.push(`every class's ${evaluator.labeled ? 'recall' : 'agreement'} at most ${settings.maxClassDrop} points below the full model's (--max-class-drop)`);
  if (settings.minSnrDb !== undefined) parts.push(`output SNR >= ${settings.minSnrDb} dB`);
  if (settings.maxExplanationDrift !== undefined) parts.push(`explanations' rank correlation with the full model's >= ${(1 - settings.maxExplanationDrift).toFixed(3)} (--max-explanation-drift ${settings.maxExplanationDrift})`);
  return parts.join(' and ');
}

/** What a complete outcome misses, one item per failed constraint (each failing class its own). */
export function shortfalls(settings: Constraints, evaluator: Evaluator, outcome: Outcome): string[] {
  const figures = outcome.figures!;
  const A0 = evaluator.baseline.score;
  const missed: string[] = [];
  if (!evaluator.meets(outcome, { minScore: A0 - settings.maxDrop })) missed.push(`${scoreName(!evaluator.labeled, evaluator.metric)} ${points(outcome.score)} (needs >= ${points(A0 - settings.maxDrop)}; full model ${points(A0)})`);
  const full = evaluator.baseline.figures!.perClass!;
  for (const c of evaluator.failingClasses(figures, settings)) {
    const mine = figures.perClass![c];
    missed.push(`class ${mine.name} ${evaluator.labeled ? 'recall' : 'agreement'} ${points(100 * mine.recall)} (full model ${points(100 * full[c].recall)}, ${(100 * (full[c].recall - mine.recall)).toFixed(2)} points lost)`);
  }
  if (settings.minSnrDb !== undefined && (figures.snrDb ?? Infinity) < settings.minSnrDb) missed.push(`output SNR ${figures.snrDb!.toFixed(1)} dB (needs >= ${settings.minSnrDb} dB)`);
  if (settings.maxExplanationDrift !== undefined && figures.explanationAgreement !== undefined && figures.explanationAgreement < 1 - settings.maxExplanationDrift - EPSILON) {
    missed.push(`explanations' rank correlation with the full model's ${figures.explanationAgreement.toFixed(3)} (needs >= ${(1 - settings.maxExplanationDrift).toFixed(3)})`);
  }
  return missed;
}
