import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationMetrics, confusionMatrix } from '../../src/compress/metrics.js';

describe('classification metrics', () => {
  it('match a hand-computed example', () => {
    // truth:     0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    const [truth, predicted] = [Int32Array.of(0, 0, 0, 1, 1, 2), Int32Array.of(0, 0, 1, 1, 2, 2)];
    const m = classificationMetrics(truth, predicted, ['a', 'b', 'c']);
    expect(confusionMatrix(truth, predicted, 3)).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.perClass.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(m.perClass.map((c) => c.recall)).toEqual([2 / 3, 0.5, 1]);
    expect(m.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(m.macroPrecision).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.perClass.map((c) => c.support)).toEqual([3, 2, 1]);
  });

  it('gives a never-predicted class precision 0, not NaN', () => {
    const m = classificationMetrics(Int32Array.of(0, 1), Int32Array.of(0, 0), ['a', 'b']);
    expect(m.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(Number.isNaN(m.macroF1)).toBe(false);
  });

  it('argmax takes the first of equal maxima', () => {
    expect(Array.from(argmaxRows(Float32Array.of(1, 3, 3, -1, -2, -5), 3))).toEqual([1, 0]);
  });
});
