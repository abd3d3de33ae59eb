/**
 * The narrow number formats against their definitions: every float16 and float8 bit pattern
 * decodes to a value that rounds to itself, every midpoint between neighbours rounds to the
 * even one, bfloat16 agrees with the integer rounding of float32 bits, and the out-of-range
 * rows of ONNX's float8 Cast table hold.
 */
import { describe, expect, it } from 'vitest';
import { type FloatFormatName, castTo, decodeFloat, roundHalfEven, roundToFloat, roundToInteger } from '../../src/ir/formats.js';

/** The finite values of a format in increasing order, from its bit patterns. */
function finiteValues(name: FloatFormatName, width: number): number[] {
  const values = new Set<number>();
  for (let bits = 0; bits < 2 ** width; bits++) {
    const v = decodeFloat(bits, name);
    if (Number.isFinite(v)) values.add(v === 0 ? 0 : v);
  }
  return [...values].sort((a, b) => a - b);
}

describe('float formats', () => {
  const formats: [FloatFormatName, number, number][] = [
    ['float16', 16, 65504],
    ['float8e4m3fn', 8, 448],
    ['float8e4m3fnuz', 8, 240],
    ['float8e5m2', 8, 57344],
    ['float8e5m2fnuz', 8, 57344],
  ];
  for (const [name, width, max] of formats) {
    it(`${name}: every value rounds to itself, every midpoint to its even neighbour, the largest is ${max}`, () => {
      const values = finiteValues(name, width);
      expect(values[values.length - 1]).toBe(max);
      // the neighbour whose last fraction bit is 0: every other value, counted from 0
      // (+ 0: a negative value that rounds to zero is -0 where the format has it)
      const zero = values.indexOf(0);
      const wrong: string[] = [];
      const check = (x: number, expected: number) => roundToFloat(x, name) + 0 === expected || wrong.push(`${x} -> ${roundToFloat(x, name)}, not ${expected}`);
      values.forEach((v, i) => {
        check(v, v);
        if (i + 1 === values.length) return;
        const next = values[i + 1];
        check((v + next) / 2, (i - zero) % 2 === 0 ? v : next);
        check(v + (next - v) / 4, v);
        check(next - (next - v) / 4, next);
      });
      expect(wrong.slice(0, 5)).toEqual([]);
    });
  }

  it('float16 overflows to infinity from the midpoint above its largest value', () => {
    expect(roundToFloat(65519.99, 'float16')).toBe(65504);
    expect(roundToFloat(65520, 'float16')).toBe(Infinity);
    expect(roundToFloat(-1e9, 'float16')).toBe(-Infinity);
    expect(roundToFloat(2 ** -25, 'float16')).toBe(0); // half the smallest subnormal: ties to even (0)
    expect(roundToFloat(2 ** -25 * 1.5, 'float16')).toBe(2 ** -24);
  });

  it('bfloat16 agrees with round-to-nearest-even on float32 bits', () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    let seed = 7;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      u32[0] = seed ^ (i << 7);
      const x = f32[0];
      if (!Number.isFinite(x)) continue;
      const bits = u32[0];
      u32[0] = (((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16) >>> 0;
      const expected = f32[0];
      expect(roundToFloat(x, 'bfloat16'), `bits ${bits.toString(16)}`).toBe(expected);
    }
  });

  it("follows ONNX's float8 Cast table out of range, with and without saturation", () => {
    const row = (x: number, saturate: boolean) =>
      (['float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz'] as const).map((name) => roundToFloat(x, name, saturate));
    expect(row(1e6, true)).toEqual([448, 240, 57344, 57344]);
    expect(row(Infinity, true)).toEqual([448, 240, 57344, 57344]);
    expect(row(-Infinity, true)).toEqual([-448, -240, -57344, -57344]);
    expect(row(1e6, false)).toEqual([NaN, NaN, Infinity, NaN]);
    expect(row(-Infinity, false)).toEqual([NaN, NaN, -Infinity, NaN]);
    expect(row(-1e-7, true).map((v) => Object.is(v, -0))).toEqual([true, false, true, false]);
    expect(decodeFloat(0x7e, 'float8e4m3fn')).toBe(448);
    expect(decodeFloat(0x7f, 'float8e4m3fn')).toBeNaN();
    expect(decodeFloat(0x80, 'float8e4m3fnuz')).toBeNaN();
    expect(decodeFloat(0x7c, 'float8e5m2')).toBe(Infinity);
  });
});

describe('Cast', () => {
  it("to bfloat16 keeps the float32's upper 16 bits, as ONNX's test data does; to float8 saturates unless told not to", () => {
    const toBfloat16 = castTo('bfloat16');
    expect([0.48033667, -0.48033667, 1, NaN].map(toBfloat16)).toEqual([0.478515625, -0.478515625, 1, NaN]);
    expect(roundToFloat(0.48033667, 'bfloat16')).toBe(0.48046875); // arithmetic results round to nearest
    expect([castTo('float8e4m3fn')(1e6), castTo('float8e4m3fn', false)(1e6)]).toEqual([448, NaN]);
    expect([castTo('int8')(200), castTo('uint4')(-3), castTo('bool')(-0.5), castTo('float32')(0.1)]).toEqual([-56, 0, 1, Math.fround(0.1)]);
  });
});

describe('integer formats', () => {
  it('wrap 8..32-bit integers after truncating, clamp 4-bit ones before rounding half to even', () => {
    expect([300.7, -129, 127.9, -0.5].map((x) => roundToInteger(x, 'int8'))).toEqual([44, 127, 127, 0]);
    expect([256, -1, 255.5].map((x) => roundToInteger(x, 'uint8'))).toEqual([0, 255, 255]);
    expect([2 ** 31, -(2 ** 31) - 1].map((x) => roundToInteger(x, 'int32'))).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect([-9, 2.5, 3.5, 7.6, 100].map((x) => roundToInteger(x, 'int4'))).toEqual([-8, 2, 4, 7, 7]);
    expect([-3, 14.5, 15.5].map((x) => roundToInteger(x, 'uint4'))).toEqual([0, 14, 15]);
    expect([0.5, 1.5, 2.5, -1.5, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, -2, -2]);
  });
});
