/**
 * The float32 approximations (exp, log, softplus, tanh, sigmoid, erf, pow) against float64 references over
 * dense grids: error in float32 ulps, and the special points they must get exactly.
 */
import { describe, expect, it } from 'vitest';
import { erfF32, expF32, logF32, powF32, sigmoidF32, softplusF32, tanhF32 } from '../../src/ops/approx.js';

const f = Math.fround;
const bits = new Int32Array(2);
const floats = new Float32Array(bits.buffer);

/** Distance in float32 ulps (same-sign values; the grids avoid sign changes except at 0). */
function ulps(actual: number, expected: number): number {
  floats[0] = actual;
  floats[1] = expected;
  return Math.abs(bits[0] - bits[1]);
}

/** erf in float64 by its Taylor series (|x| < 3) or Laplace's continued fraction for erfc. */
function erf64(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; Math.abs(term) > 1e-17 * Math.abs(sum) || n < 3; n++) {
      sum += term / (2 * n + 1);
      term *= (-a * a) / (n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let fraction = 0;
    for (let k = 60; k >= 1; k--) fraction = k / 2 / (a + fraction);
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + fraction);
  }
  return x < 0 ? -r : r;
}

function maxUlps(fn: (x: number) => number, reference: (x: number) => number, lo: number, hi: number, steps = 200_000): number {
  let worst = 0;
  for (let i = 0; i <= steps; i++) {
    const x = f(lo + ((hi - lo) * i) / steps);
    worst = Math.max(worst, ulps(fn(x), f(reference(x))));
  }
  return worst;
}

describe('float32 approximations', () => {
  it('exp is within 1 ulp on [-87, 88] and clamps outside', () => {
    expect(maxUlps(expF32, Math.exp, -87, 88)).toBeLessThanOrEqual(1);
    expect(expF32(0)).toBe(1);
    expect(expF32(-1000)).toBe(expF32(-87));
    expect(Number.isFinite(expF32(1000))).toBe(true);
  });

  it('tanh is within 1 ulp on [-12, 12], odd, exact at 0 and saturating', () => {
    expect(maxUlps(tanhF32, Math.tanh, -12, 12)).toBeLessThanOrEqual(1);
    expect(maxUlps(tanhF32, Math.tanh, 1e-6, 0.7)).toBeLessThanOrEqual(1);
    expect(tanhF32(0)).toBe(0);
    expect(tanhF32(f(-0.3))).toBe(-tanhF32(f(0.3)));
    expect(tanhF32(50)).toBe(1);
  });

  it('sigmoid is within 2 ulps on [-30, 30]', () => {
    expect(maxUlps(sigmoidF32, (x) => 1 / (1 + Math.exp(-x)), -30, 30)).toBeLessThanOrEqual(2);
    expect(sigmoidF32(0)).toBe(0.5);
  });

  it('erf is within 2 ulps on [-5, 5], odd and saturating', () => {
    expect(maxUlps(erfF32, erf64, -5, 5)).toBeLessThanOrEqual(2);
    expect(maxUlps(erfF32, erf64, 1e-6, 0.01)).toBeLessThanOrEqual(2);
    expect(erfF32(0)).toBe(0);
    expect(erfF32(f(-1.7))).toBe(-erfF32(f(1.7)));
    expect(erfF32(10)).toBe(1);
  });

  it('log is within 1 ulp from the smallest subnormal to the largest float, exact at 1 and at the ends', () => {
    // log-spaced: x = 2^t over t in [-149, 128)
    expect(maxUlps((t) => logF32(f(2 ** t)), (t) => Math.log(f(2 ** t)), -149, 127.99)).toBeLessThanOrEqual(1);
    expect(maxUlps(logF32, Math.log, 0.5, 2)).toBeLessThanOrEqual(1);
    expect(logF32(1)).toBe(0);
    expect(logF32(0)).toBe(-Infinity);
    expect(logF32(-0)).toBe(-Infinity);
    expect(logF32(Infinity)).toBe(Infinity);
    expect(logF32(-1)).toBeNaN();
  });

  it('softplus is within 3 ulps on [-80, 80] (log1p(e^x) on the left, x + log1p(e^-x) on the right)', () => {
    const softplus64 = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    expect(maxUlps(softplusF32, softplus64, -80, 80, 400_000)).toBeLessThanOrEqual(3);
    expect(maxUlps(softplusF32, softplus64, -1e-3, 1e-3)).toBeLessThanOrEqual(2);
    expect(softplusF32(1000)).toBe(1000);
    expect(softplusF32(-1000)).toBeLessThan(1e-37);
  });

  it('pow is within 64 ulps (4e-6) where x^y lies in [1e-30, 1e30], and exact where ONNX expects exact values', () => {
    let worst = 0;
    for (let i = 0; i <= 400; i++) {
      const x = f(2 ** (-8 + i / 25)); // 2^-8 .. 2^8
      for (let j = 0; j <= 100; j++) {
        const y = f(-9.5 + (19 * j) / 100);
        const expected = Math.pow(x, y);
        if (expected > 1e-30 && expected < 1e30) worst = Math.max(worst, ulps(powF32(x, y), f(expected)));
      }
    }
    // e^t with t = y log|x| rounded to float32: t's rounding alone costs up to |t| / 2 ulps (|t| < 70 here)
    expect(worst).toBeLessThanOrEqual(64);
    // small integer exponents multiply: exact wherever the product is
    expect([powF32(2, 3), powF32(-2, 3), powF32(-3, 2), powF32(2, -2), powF32(5, 1), powF32(7, 0)]).toEqual([8, -8, 9, 0.25, 5, 1]);
    expect([powF32(0, 0), powF32(1, 1e30), powF32(4, 0.5), powF32(-2, 9), powF32(-2, 10)]).toEqual([1, 1, 2, -512, 1024]);
    expect([powF32(0, 2.5), powF32(0, -2.5), powF32(Infinity, 1.5), powF32(2, 200), powF32(2, -200)]).toEqual([0, Infinity, Infinity, Infinity, 0]);
    expect(powF32(-2, 0.5)).toBeNaN();
    expect(powF32(-8, f(1 / 3))).toBeNaN();
  });

  it('never produces NaN, even at the extremes', () => {
    for (const x of [-3.4e38, -1e10, -88.5, -87, 0, 88, 88.8, 1e10, 3.4e38]) {
      for (const fn of [expF32, tanhF32, sigmoidF32, erfF32, softplusF32]) expect(Number.isNaN(fn(x))).toBe(false);
    }
  });
});
