/**
 * The early-stop bound on hand-computed cases: when a candidate whose windows have partly run
 * must be rejected, and when it must go on (the remaining windows could still bring it up).
 */
import { describe, expect, it } from 'vitest';
import { EarlyStop, NOT_RUN } from '../../src/compress/early-stop.js';

const _ = NOT_RUN;

describe('the score bound (accuracy)', () => {
  // 10 windows, one wrong so far of the two run: at best 9 of 10 right.
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 2]);
  const stop = new EarlyStop(labels, 'accuracy', ['N', 'V', 'A'], []);
  const oneWrong = Int32Array.from([0, 1, _, _, _, _, _, _, _, _]);

  it('is the score with every window not yet run right', () => {
    expect(stop.bestPossible(oneWrong)).toBe(90);
    expect(stop.bestPossible(Int32Array.from([0, 1, 2, 0, 0, _, _, _, _, _]))).toBe(80);
    expect(stop.bestPossible(new Int32Array(10).fill(NOT_RUN))).toBe(100);
  });

  it('stops once the requirement is out of reach, and not while it can still be met', () => {
    expect(stop.stopAt(oneWrong, { minScore: 90.5 })).toBe(90);
    expect(stop.stopAt(oneWrong, { minScore: 90 })).toBeUndefined();
    // within EPSILON (1e-9) of the minimum is meeting it
    expect(stop.stopAt(oneWrong, { minScore: 90 + 1e-10 })).toBeUndefined();
    expect(stop.stopAt(oneWrong, { minScore: 90 + 1e-8 })).toBe(90);
    // a wrong window that has not run yet does not count against the candidate
    expect(stop.stopAt(Int32Array.from([0, 0, 0, 0, 0, _, _, _, _, _]), { minScore: 100 })).toBeUndefined();
  });
});

describe('the score bound (macro F1)', () => {
  // Labels a a a b; window 0 predicted b, the rest not run: at best predictions b a a b.
  // Class a: precision 2/2, recall 2/3, F1 0.8; class b: precision 1/2, recall 1/1, F1 2/3.
  // Macro F1 (0.8 + 2/3) / 2 = 73.33 points, below the 75 accuracy would allow.
  const stop = new EarlyStop(Int32Array.from([0, 0, 0, 1]), 'f1', ['a', 'b'], []);
  const predicted = Int32Array.from([1, _, _, _]);

  it('is the macro F1 with every window not yet run right', () => {
    expect(stop.bestPossible(predicted)).toBeCloseTo(((0.8 + 2 / 3) / 2) * 100, 12);
  });

  it('stops below it and not at it', () => {
    expect(stop.stopAt(predicted, { minScore: 74 })).toBeCloseTo(73.333333, 5);
    expect(stop.stopAt(predicted, { minScore: 73 })).toBeUndefined();
  });
});

describe('the class bound (--max-class-drop)', () => {
  // Supports 6, 3, 1 and 0; the full model has class 1's recall at 2/3 (one of three wrong).
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 2]);
  const full = [
    { support: 6, recall: 1 },
    { support: 3, recall: 2 / 3 },
    { support: 1, recall: 1 },
    { support: 0, recall: 0 },
  ];
  const stop = new EarlyStop(labels, 'accuracy', ['N', 'V', 'A', 'F'], full);

  it('stops when a class cannot reach its recall, even with the score in reach', () => {
    // class 0: 2 of 6 wrong, at best 66.67% recall
    const twoWrong = Int32Array.from([0, 1, 2, 0, 0, _, _, _, _, _]);
    expect(stop.classOutOfReach(twoWrong, { minScore: 0, maxClassDrop: 20 })).toBe(true); // needs 80%
    expect(stop.stopAt(twoWrong, { minScore: 0, maxClassDrop: 20 })).toBe(80); // the score bound it stopped with
    expect(stop.classOutOfReach(twoWrong, { minScore: 0, maxClassDrop: 40 })).toBe(false); // needs 60%
    expect(stop.stopAt(twoWrong, { minScore: 0 })).toBeUndefined(); // no class bound asked
  });

  it('measures each class from the full model: losing what it also lost is no drop', () => {
    // class 1: one of three wrong, as the full model: 66.67% against 66.67%
    const asFull = Int32Array.from([_, _, _, _, _, _, 0, _, _, _]);
    expect(stop.stopAt(asFull, { minScore: 0, maxClassDrop: 0 })).toBeUndefined();
    // two of three wrong: at best 33.33%, 33.33 points lost
    const twoOfThree = Int32Array.from([_, _, _, _, _, _, 0, 2, _, _]);
    expect(stop.classOutOfReach(twoOfThree, { minScore: 0, maxClassDrop: 30 })).toBe(true);
    expect(stop.classOutOfReach(twoOfThree, { minScore: 0, maxClassDrop: 35 })).toBe(false);
  });
});
