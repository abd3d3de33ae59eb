/**
 * Classification metrics: accuracy, per-class precision / recall / F1, their macro means
 * (unweighted over classes), and the confusion matrix (rows: true class, columns:
 * predicted; eval's alone). A class never predicted has precision 0, as scikit-learn's zero_division=0.
 * And a compressed model's figures against its full model (top-1 agreement, output SNR).
 */
import type { Figures } from '../plan/plan.js';

/** What a search scores a plan by (points of it): accuracy, or macro F1. */
export type MetricName = 'accuracy' | 'f1';

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Metrics {
  count: number;
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: ClassMetrics[];
}

/** Index of the largest value of each row (first one on ties). */
export function argmaxRows(values: Float32Array, columns: number): Int32Array {
  const rows = values.length / columns;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[r * columns + c] > values[r * columns + best]) best = c;
    out[r] = best;
  }
  return out;
}

export function classificationMetrics(truth: Int32Array, predicted: Int32Array, classNames: string[]): Metrics {
  const k = classNames.length;
  // Per-class counts, not the k x k matrix: label-free, every output is a class (a transformer's
  // hidden states: k = 47,616, a matrix of 2.3 G numbers); confusionMatrix for `ecgc eval`.
  const truePositives = new Float64Array(k);
  const support = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  for (let i = 0; i < truth.length; i++) {
    support[truth[i]]++;
    predictedCount[predicted[i]]++;
    if (truth[i] === predicted[i]) truePositives[truth[i]]++;
  }
  let correct = 0;
  const perClass = classNames.map((name, c) => {
    correct += truePositives[c];
    const precision = predictedCount[c] === 0 ? 0 : truePositives[c] / predictedCount[c];
    const recall = support[c] === 0 ? 0 : truePositives[c] / support[c];
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { name, precision, recall, f1, support: support[c] };
  });
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((sum, m) => sum + m[key], 0) / k;
  return {
    count: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroPrecision: mean('precision'),
    macroRecall: mean('recall'),
    macroF1: mean('f1'),
    perClass,
  };
}

/** Rows: true class, columns: predicted (k x k: `ecgc eval`'s table, never a search's). */
export function confusionMatrix(truth: Int32Array, predicted: Int32Array, classes: number): number[][] {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) confusion[truth[i]][predicted[i]]++;
  return confusion;
}

/** The classes whose mean F1 is a task's own measure, where it has one (CinC 2017: noisy left out). */
const TASK_SCORES: Record<string, { name: string; classes: string[] }> = {
  cinc2017: { name: 'CinC 2017 score (mean F1 of normal, af, other)', classes: ['normal', 'af', 'other'] },
};

export function taskScore(task: string, metrics: Metrics): { name: string; value: number } | null {
  const score = TASK_SCORES[task];
  if (!score) return null;
  const f1s = metrics.perClass.filter((c) => score.classes.includes(c.name)).map((c) => c.f1);
  return { name: score.name, value: f1s.reduce((a, b) => a + b, 0) / f1s.length };
}

/** What a caller of outputFigures may have computed already, so that it is not computed again. */
export interface KnownClasses {
  /** argmaxRows(outputs, classes). */
  predicted?: Int32Array;
  /** argmaxRows(reference, classes). */
  referenceClasses?: Int32Array;
  /** classificationMetrics(referenceClasses, predicted, class names): the per-class agreement (used when `metrics` is null). */
  agreement?: Metrics;
}

/**
 * A compressed model's figures: `metrics` against the labels (null when unlabelled), top-1
 * agreement with the full model's `reference` outputs and the output SNR against them (null
 * when the outputs are exactly the reference), and each class's recall: against the labels,
 * or unlabelled against the full model's classes (per-class top-1 agreement).
 */
export function outputFigures(metrics: Metrics | null, outputs: Float32Array, reference: Float32Array, classes: number, classNames?: string[], known: KnownClasses = {}): Figures {
  const predicted = known.predicted ?? argmaxRows(outputs, classes);
  const referenceClasses = known.referenceClasses ?? argmaxRows(reference, classes);
  const names = classNames ?? Array.from({ length: classes }, (_, c) => String(c));
  const perClass = (metrics ?? known.agreement ?? classificationMetrics(referenceClasses, predicted, names)).perClass.map(({ name, support, recall }) => ({ name, support, recall }));
  let agree = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === referenceClasses[i]) agree++;
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < outputs.length; i++) {
    signal += reference[i] * reference[i];
    noise += (outputs[i] - reference[i]) ** 2;
  }
  return {
    windows: predicted.length,
    accuracy: metrics?.accuracy ?? null,
    macroPrecision: metrics?.macroPrecision ?? null,
    macroRecall: metrics?.macroRecall ?? null,
    macroF1: metrics?.macroF1 ?? null,
    agreement: agree / predicted.length,
    snrDb: noise === 0 ? null : 10 * Math.log10(signal / noise),
    perClass,
  };
}
