/**
 * The integer mode's fixed-point arithmetic (src/quant/fixed-point.ts): TFLite's
 * QuantizeMultiplier on values worked out by hand, and arm_nn_requantize (double rounding)
 * against a second, independent implementation of CMSIS-NN's formula in 64-bit BigInt
 * arithmetic; the C twin (runtime-c/ecgc_requantize.h) against the TypeScript on the host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { channelRequantizer, divideByPowerOfTwo, doublingHighMultiply, quantizeMultiplier, requantize } from '../../src/quant/fixed-point.js';
import { outputValue } from '../../src/ops/integer.js';
import { lcg } from '../helpers/random.js';

/** CMSIS-NN's arm_nn_requantize, transcribed into BigInt: int64 product + 2^30, >> 31, then the rounding shift. */
function requantizeBigInt(value: number, multiplier: number, shift: number): number {
  const left = BigInt(Math.max(shift, 0));
  const right = BigInt(Math.max(-shift, 0));
  const shifted = BigInt.asIntN(32, BigInt(value) << left);
  const high = BigInt.asIntN(32, (shifted * BigInt(multiplier) + (1n << 30n)) >> 31n);
  const mask = (1n << right) - 1n;
  const remainder = high & mask;
  let result = high >> right;
  const threshold = (mask >> 1n) + (result < 0n ? 1n : 0n);
  if (remainder > threshold) result += 1n;
  return Number(result);
}

function randomCases(count: number, seed: number): [number, number, number][] {
  const next = lcg(seed);
  return Array.from({ length: count }, (_, i) => {
    const magnitude = 2 ** Math.floor(next() * 31);
    const value = Math.round((next() * 2 - 1) * magnitude);
    const multiplier = 2 ** 30 + Math.floor(next() * 2 ** 30);
    // shifts of int8 layers (-20..0), and the extremes: a left shift, the largest right shift
    const shift = i % 50 === 0 ? 1 : i % 50 === 1 ? -31 : -Math.floor(next() * 21);
    return [shift > 0 ? value >> 8 : value, multiplier, shift];
  });
}

describe('QuantizeMultiplier', () => {
  it('writes a real multiplier as a Q31 fraction in [0.5, 1) and a power of two', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 2 ** 30, shift: -1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 3 * 2 ** 29, shift: 0 });
    expect(quantizeMultiplier(3)).toEqual({ multiplier: 3 * 2 ** 29, shift: 2 });
    // the fraction rounds up to 1: the shift takes it (1 - 2^-33 -> 2^30, shift 1)
    expect(quantizeMultiplier(1 - 2 ** -33)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('reads back within half a Q31 step', () => {
    for (const real of [1e-6, 0.0012345, 0.3, 0.9999, 1.7, 123.456]) {
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs((multiplier / 2 ** 31) * 2 ** shift - real)).toBeLessThanOrEqual(2 ** (shift - 32));
    }
  });
});

describe('arm_nn_requantize', () => {
  it('rounds midpoints away from zero when dividing by a power of two', () => {
    expect([5, -5, 3, -3, 7, -7, 6, -6].map((x) => divideByPowerOfTwo(x, 1))).toEqual([3, -3, 2, -2, 4, -4, 3, -3]);
    expect([6, -6, 5, -5, 2, -2].map((x) => divideByPowerOfTwo(x, 2))).toEqual([2, -2, 1, -1, 1, -1]);
    expect(divideByPowerOfTwo(-(2 ** 31), 31)).toBe(-1);
    expect(divideByPowerOfTwo(12345, 0)).toBe(12345);
  });

  it('doubles the high half with rounding, as SQRDMULH without saturation', () => {
    expect(doublingHighMultiply(2 ** 30, 2 ** 30)).toBe(2 ** 29);
    expect(doublingHighMultiply(-(2 ** 31), 2 ** 30)).toBe(-(2 ** 30));
    expect(doublingHighMultiply(3, 2 ** 30)).toBe(2); // 1.5 rounds up
    expect(doublingHighMultiply(-3, 2 ** 30)).toBe(-1); // -1.5 rounds up too (+2^30, then floor)
  });

  it('equals the BigInt transcription of CMSIS-NN on 20,000 values', () => {
    for (const [value, multiplier, shift] of randomCases(20000, 7)) expect(requantize(value, multiplier, shift), `${value} ${multiplier} ${shift}`).toBe(requantizeBigInt(value, multiplier, shift));
  });

  it("a channel's requantizer (the fast reference's) equals it on 20,000 values, the fast product's edge |value| = 2^21 included", () => {
    const edges: [number, number, number][] = [2 ** 21 - 1, 2 ** 21, -(2 ** 21) + 1, -(2 ** 21), 2 ** 31 - 1, -(2 ** 31)].map((v) => [v, 2 ** 31 - 1, -5]);
    for (const [value, multiplier, shift] of [...randomCases(20000, 13), ...edges]) {
      expect(channelRequantizer(multiplier, shift)(value), `${value} ${multiplier} ${shift}`).toBe(requantizeBigInt(value, multiplier, shift));
    }
  });
});

describe('ecgc_requantize.h', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecgc-requantize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes what the TypeScript computes, on the host', () => {
    const cases = randomCases(5000, 11);
    writeFileSync(join(dir, 'cases.txt'), cases.map((c) => c.join(' ')).join('\n'));
    writeFileSync(
      join(dir, 'main.c'),
      `#include <stdio.h>
#include "ecgc_requantize.h"
int main(void) {
  long v, m, s;
  FILE *f = fopen("cases.txt", "r");
  while (fscanf(f, "%ld %ld %ld", &v, &m, &s) == 3) printf("%ld\\n", (long)ecgc_requantize((int32_t)v, (int32_t)m, (int32_t)s));
  return 0;
}
`,
    );
    execaSync('gcc', ['-std=c99', '-O2', '-Wall', '-Werror', `-I${join(import.meta.dirname, '..', '..', 'runtime-c')}`, '-o', 'main', 'main.c'], { cwd: dir });
    const lines = execaSync(join(dir, 'main'), [], { cwd: dir }).stdout.split('\n').map(Number);
    expect(lines).toEqual(cases.map(([v, m, s]) => requantize(v, m, s)));
  });

  it("ecgc_output_row_s8's short form (small accumulators: |acc| * 2^left below 2^30) gives the full output stage's int8s", () => {
    const next = lcg(23);
    // per row: multiplier, shift, offset, min, max, then accumulators up to the bound (and at it)
    const rows = Array.from({ length: 400 }, (_, i) => {
      const shift = i % 40 === 0 ? 2 : i % 40 === 1 ? -31 : -Math.floor(next() * 21);
      const bound = 2 ** (30 - Math.max(shift, 0)) - 1;
      const [min, max] = i % 3 === 0 ? [-128, 127] : i % 3 === 1 ? [Math.floor(next() * 100) - 128, 127] : [-20, 6 + Math.floor(next() * 100)];
      const accumulators = Array.from({ length: 33 }, (_, j) => (j === 0 ? bound : j === 1 ? -bound : Math.round((next() * 2 - 1) * 2 ** Math.floor(next() * 31) * (bound / 2 ** 30))));
      return { multiplier: 2 ** 30 + Math.floor(next() * 2 ** 30), shift, offset: Math.floor(next() * 256) - 128, min, max, accumulators };
    });
    writeFileSync(join(dir, 'rows.txt'), rows.map((r) => [r.multiplier, r.shift, r.offset, r.min, r.max, ...r.accumulators].join(' ')).join('\n'));
    writeFileSync(
      join(dir, 'row.c'),
      `#include <stdio.h>
#include "ecgc_requantize.h"
int main(void) {
  long m, s, o, lo, hi, a;
  int32_t acc[33], i, small;
  int8_t y[33];
  FILE *f = fopen("rows.txt", "r");
  while (fscanf(f, "%ld %ld %ld %ld %ld", &m, &s, &o, &lo, &hi) == 5) {
    for (i = 0; i < 33; i++) { if (fscanf(f, "%ld", &a) != 1) return 1; acc[i] = (int32_t)a; }
    for (small = 0; small < 2; small++) {
      const ecgc_output_stage_t stage = ecgc_output_stage((int32_t)m, (int32_t)s, (int32_t)o, (int32_t)lo, (int32_t)hi, small);
      ecgc_output_row_s8(acc, 33, &stage, y);
      for (i = 0; i < 33; i++) printf("%d ", y[i]);
      printf("\\n");
    }
  }
  return 0;
}
`,
    );
    execaSync('gcc', ['-std=c99', '-O2', '-Wall', '-Werror', `-I${join(import.meta.dirname, '..', '..', 'runtime-c')}`, '-o', 'row', 'row.c'], { cwd: dir });
    const lines = execaSync(join(dir, 'row'), [], { cwd: dir }).stdout.trim().split('\n');
    const expected = rows.flatMap((r) => {
      const line = r.accumulators.map((acc) => outputValue(acc, r.multiplier, r.shift, { inputOffset: 0, outputOffset: r.offset, actMin: r.min, actMax: r.max })).join(' ');
      return [line, line]; // the full stage, then the short one
    });
    expect(lines.map((l) => l.trim())).toEqual(expected);
  });
});
