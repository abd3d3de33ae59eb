/**
 * Classification metrics: accuracy, per-class precision / recall / F1, their macro means
 * (unweighted over classes), and the confusion matrix (rows: true class, columns:
 * predicted). A class never predicted has precision 0, as scikit-learn's zero_division=0.
 */

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
  confusion: number[][];
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
  const confusion = classNames.map(() => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) confusion[truth[i]][predicted[i]]++;
  let correct = 0;
  const perClass = classNames.map((name, c) => {
    const truePositives = confusion[c][c];
    correct += truePositives;
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, row) => sum + row[c], 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { name, precision, recall, f1, support };
  });
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((sum, m) => sum + m[key], 0) / k;
  return {
    count: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroPrecision: mean('precision'),
    macroRecall: mean('recall'),
    macroF1: mean('f1'),
    perClass,
    confusion,
  };
}
