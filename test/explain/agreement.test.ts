/** Agreement of two saliencies and the regions around the R peak, against hand-computed values. */
import { describe, expect, it } from 'vitest';
import { rankCorrelation, topOverlap } from '../../src/explain/agreement.js';
import { regionShares, regionsOf } from '../../src/explain/regions.js';

describe('agreement', () => {
  it("is Spearman's rank correlation, ties at their mean rank", () => {
    expect(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4] about 2.5: covariance 4.5, variances 4.5 and 5
    expect(rankCorrelation([0, 1, 1, 2], [0, 1, 2, 3])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    expect(rankCorrelation([1, 1, 1], [1, 1, 1])).toBe(1);
    expect(rankCorrelation([1, 1, 1], [1, 2, 3])).toBe(0);
  });

  it('overlaps the top 20% samples', () => {
    const a = [9, 8, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(topOverlap(a, [9, 8, 0, 0, 0, 0, 0, 0, 0, 1])).toBe(1);
    expect(topOverlap(a, [9, 0, 8, 0, 0, 0, 0, 0, 0, 1])).toBe(0.5);
    expect(topOverlap(a, [0, 0, 0, 0, 0, 0, 0, 0, 9, 8])).toBe(0);
  });
});

describe('regions around the R peak', () => {
  it('are fixed intervals in ms, in samples of the window, clipped to it', () => {
    // 360 Hz, R at sample 90 of 256: P [-250, -80) ms -> [0 (clipped from 0), 61), QRS [-50, 50] -> [72, 109), T [150, 400] -> [144, 235)
    expect(regionsOf(90, 360, 256)).toEqual({ p: [0, 61], qrs: [72, 109], t: [144, 235] });
    expect(regionsOf(undefined, 360, 256)).toBeNull();
    expect(regionsOf(40, 360, 256)!.p).toEqual([0, 11]);
  });

  it('share the positive saliency', () => {
    const regions = { p: [0, 2], qrs: [2, 4], t: [6, 8] } as const;
    const s = [1, 1, 2, 2, -5, 0, 1, 1];
    expect(regionShares(s, { p: [...regions.p], qrs: [...regions.qrs], t: [...regions.t] })).toEqual({ p: 0.25, qrs: 0.5, t: 0.25 });
    expect(regionShares([0, -1, 0, 0, 0, 0, 0, 0], { p: [0, 2], qrs: [2, 4], t: [6, 8] })).toBeNull();
  });
});
