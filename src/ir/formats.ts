/**
 * ONNX's number formats narrower than a double, as numbers: every float16, bfloat16, float8
 * and 8..32-bit or 4-bit integer is exactly a double, so the interpreter holds them in its
 * ordinary typed arrays. `roundTo` is Cast's conversion into a format, `decodeFloat` reads a
 * format's bits (tensors in a model file).
 */

import type { DType } from './graph.js';

/** A binary floating-point format: `mantissa` fraction bits, normals from 2^minExponent. */
interface FloatFormat {
  mantissa: number;
  minExponent: number;
  /** The largest finite value. */
  max: number;
  /** Whether it has infinities (else overflow is NaN, or the largest value when saturating). */
  infinity: boolean;
  /** Whether it has -0 (the FNUZ float8 formats do not). */
  negativeZero: boolean;
  /** Exponent bits and bias of its encoding. */
  exponentBits: number;
  bias: number;
  /** Bit patterns that are NaN or infinite, beyond IEEE's all-ones exponent (float8). */
  special?: (bits: number) => number | undefined;
}

export type FloatFormatName = 'float16' | 'bfloat16' | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz';

const ieee = (exponentBits: number, mantissa: number): FloatFormat => {
  const bias = 2 ** (exponentBits - 1) - 1;
  return { mantissa, minExponent: 1 - bias, max: (2 - 2 ** -mantissa) * 2 ** bias, infinity: true, negativeZero: true, exponentBits, bias };
};

export const FLOAT_FORMATS: Record<FloatFormatName, FloatFormat> = {
  float16: ieee(5, 10),
  bfloat16: ieee(8, 7),
  // float8 (https://onnx.ai/onnx/technical/float8.html): E4M3FN has no infinity and one NaN per sign (S.1111.111)
  float8e4m3fn: { mantissa: 3, minExponent: -6, max: 448, infinity: false, negativeZero: true, exponentBits: 4, bias: 7, special: (b) => ((b & 0x7f) === 0x7f ? NaN : undefined) },
  // FNUZ: no infinity, no -0; 0x80 is the NaN
  float8e4m3fnuz: { mantissa: 3, minExponent: -7, max: 240, infinity: false, negativeZero: false, exponentBits: 4, bias: 8, special: (b) => (b === 0x80 ? NaN : undefined) },
  float8e5m2: ieee(5, 2),
  float8e5m2fnuz: { mantissa: 2, minExponent: -15, max: 57344, infinity: false, negativeZero: false, exponentBits: 5, bias: 16, special: (b) => (b === 0x80 ? NaN : undefined) },
};

/** Round half to even. */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
}

/** The exponent e with 2^e <= a < 2^(e+1), for a finite a > 0 (Math.log2 can be off by one near a power of two). */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/**
 * x rounded to the nearest value of the format (ties to even). Out of range: infinity where the
 * format has it, else NaN; with `saturate` (float8 casts), the largest finite value, infinities
 * included (ONNX's Cast table).
 */
export function roundToFloat(x: number, name: FloatFormatName, saturate = false): number {
  const f = FLOAT_FORMATS[name];
  if (Number.isNaN(x)) return NaN;
  const sign = x < 0 || Object.is(x, -0) ? -1 : 1;
  const overflow = () => (saturate ? sign * f.max : f.infinity ? sign * Infinity : NaN);
  if (!Number.isFinite(x)) return overflow();
  const a = Math.abs(x);
  const quantum = a === 0 ? 1 : 2 ** (Math.max(exponentOf(a), f.minExponent) - f.mantissa);
  const r = roundHalfEven(a / quantum) * quantum;
  if (r > f.max) return overflow();
  if (r === 0) return sign < 0 && f.negativeZero ? -0 : 0;
  return sign * r;
}

/** The value of a format's bit pattern (`bits` of 8 or 16 bits). */
export function decodeFloat(bits: number, name: FloatFormatName): number {
  const f = FLOAT_FORMATS[name];
  const special = f.special?.(bits);
  if (special !== undefined) return special;
  const width = 1 + f.exponentBits + f.mantissa;
  const sign = bits >> (width - 1) ? -1 : 1;
  const exponent = (bits >> f.mantissa) & ((1 << f.exponentBits) - 1);
  const fraction = bits & ((1 << f.mantissa) - 1);
  if (f.infinity && exponent === (1 << f.exponentBits) - 1) return fraction ? NaN : sign * Infinity;
  if (exponent === 0) return sign * fraction * 2 ** (1 - f.bias - f.mantissa);
  return sign * (1 + fraction / 2 ** f.mantissa) * 2 ** (exponent - f.bias);
}

/** Integer formats: [min, max], whether a cast wraps (8..64 bits, as C and NumPy do) or clamps (4 bits, as ONNX says). */
export const INTEGER_FORMATS = {
  int64: { min: -(2 ** 63), max: 2 ** 63 - 1, wraps: true },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, wraps: true },
  int16: { min: -(2 ** 15), max: 2 ** 15 - 1, wraps: true },
  int8: { min: -128, max: 127, wraps: true },
  uint64: { min: 0, max: 2 ** 64 - 1, wraps: true },
  uint32: { min: 0, max: 2 ** 32 - 1, wraps: true },
  uint16: { min: 0, max: 65535, wraps: true },
  uint8: { min: 0, max: 255, wraps: true },
  int4: { min: -8, max: 7, wraps: false },
  uint4: { min: 0, max: 15, wraps: false },
} as const;

export type IntegerFormatName = keyof typeof INTEGER_FORMATS;

/**
 * x as an integer of the format: 4-bit formats clamp, then round half to even (ONNX's Cast);
 * the others truncate toward zero and wrap around (exact below 2^53). NaN becomes 0.
 */
export function roundToInteger(x: number, name: IntegerFormatName): number {
  const { min, max, wraps } = INTEGER_FORMATS[name];
  if (Number.isNaN(x)) return 0;
  if (!wraps) return roundHalfEven(Math.min(max, Math.max(min, x))) + 0;
  const t = Math.trunc(x);
  if (t >= min && t <= max) return t + 0; // (+ 0: no -0 among integers)
  if (!Number.isFinite(t) || max > 2 ** 53) return t < 0 ? min : max;
  const span = max - min + 1;
  return ((((t - min) % span) + span) % span) + min;
}

const FLOAT_FORMAT_NAMES = Object.keys(FLOAT_FORMATS) as FloatFormatName[];
const isFloatFormat = (dtype: DType): dtype is FloatFormatName => (FLOAT_FORMAT_NAMES as string[]).includes(dtype);
const isIntegerFormat = (dtype: DType): dtype is IntegerFormatName => dtype in INTEGER_FORMATS;

const word = new Float32Array(1);
const wordBits = new Uint32Array(word.buffer);

/** The float32's upper 16 bits: ONNX's Cast to bfloat16 (its reference and test data truncate; arithmetic results round, resultRounding). */
export function truncateToBfloat16(x: number): number {
  word[0] = x;
  if (Number.isNaN(word[0])) return NaN;
  wordBits[0] &= 0xffff0000;
  return word[0];
}

/** Cast's conversion of a number to `to` (`saturate`: float8's out-of-range rule). */
export function castTo(to: DType, saturate = true): (x: number) => number {
  if (to === 'float32') return Math.fround;
  if (to === 'float64') return (x) => x;
  if (to === 'bool') return (x) => (x !== 0 ? 1 : 0);
  if (to === 'bfloat16') return truncateToBfloat16;
  if (isFloatFormat(to)) return (x) => roundToFloat(x, to, saturate && to.startsWith('float8'));
  if (isIntegerFormat(to)) return (x) => roundToInteger(x, to);
  throw new Error(`internal: no cast to ${to}`);
}

/**
 * What an op's results of type `dtype` become after computing in float32 or with exact
 * integers: rounded to a narrow float, wrapped to a narrow integer; undefined where the
 * typed array already holds them as they are (float32, float64, int64, bool).
 */
export function resultRounding(dtype: DType): ((x: number) => number) | undefined {
  if (isFloatFormat(dtype)) return (x) => roundToFloat(x, dtype);
  if (isIntegerFormat(dtype) && dtype !== 'int64') return (x) => roundToInteger(x, dtype);
  return undefined;
}
