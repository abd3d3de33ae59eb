/**
 * Weight quantizers: what a layer's float32 weights become on the device. Both the
 * compressor (to measure accuracy) and the C backend (to pack the codes) call quantizeLayer,
 * and the reference runs the dequantized weights, so every accuracy printed is the device's.
 *
 * Rows are output channels (the first dimension of a Conv weight; a Gemm/MatMul weight is
 * laid out the same way by the caller). Weights with |w| <= threshold are pruned: code 0,
 * weight exactly 0. Quantizers:
 *
 *  uniform        b = 2..8, symmetric, per row: scale = fround(max|w| / (2^(b-1) - 1)) over
 *                 the kept weights, code = clamp(roundHalfEven(w / scale)), signed b-bit.
 *  uniform-layer  the same with one scale for the layer.
 *  sign           b = 1: code = sign(w) (+1 or -1), scale = fround(mean |w|) of the row's kept
 *                 weights; stored as one bit (1 for +1); pruned weights need a sparse encoding.
 *  codebook       b = 2..8: 2^b float32 levels, level 0 exactly 0; code = index of the nearest
 *                 level (unsigned b-bit), so code 0 is a zero weight as in the sparse encodings.
 *                 The levels come from the compressor (k-means); this module only applies them.
 *
 * Scales are stored as float32, or as bfloat16 (the top 16 bits of a float32, rounded to
 * nearest even: 2 bytes a row instead of 4, at 0.4% of relative error in the scale); then the
 * codes are computed with the rounded scale, so the device's weights are still code * scale.
 *
 * Given codes (spec.codes, from error-compensating rounding) replace the rounding; they must
 * be 0 where a weight is pruned and within the quantizer's range elsewhere.
 *
 * Dequantized weight: fround(code * scale) (uniform, sign) or levels[code] (codebook); the C
 * kernels compute exactly that, (float)code * scale in float32.
 */
import { fail } from '../errors.js';

export const QUANTIZERS = ['uniform', 'uniform-layer', 'sign', 'codebook'] as const;
export type Quantizer = (typeof QUANTIZERS)[number];
/** The quantizer family for 2..8 bits (1 bit is always sign). */
export type QuantizerFamily = Exclude<Quantizer, 'sign'>;
export const QUANTIZER_FAMILIES: QuantizerFamily[] = ['uniform', 'uniform-layer', 'codebook'];
/** A layer's bits when it stays float32. */
export const FLOAT_BITS = 32;
export const SCALE_FORMATS = ['float32', 'bfloat16'] as const;
export type ScaleFormat = (typeof SCALE_FORMATS)[number];
/** How weights become codes: w / scale rounded half to even, or given (src/compress/gptq.ts). */
export const ROUNDINGS = ['nearest', 'gptq'] as const;
export type Rounding = (typeof ROUNDINGS)[number];

export interface QuantizerSpec {
  bits: number;
  quantizer: Quantizer;
  /** Prune |w| <= threshold; -1 prunes nothing (not even exact zeros). */
  threshold: number;
  /** codebook only: 2^bits levels, levels[0] = 0. */
  levels?: number[];
  /** How the scales are stored (uniform, uniform-layer, sign); float32 when absent. */
  scaleFormat?: ScaleFormat;
  /**
   * uniform, uniform-layer, sign: the codes, row-major, when they come from error-compensating
   * rounding (src/compress/gptq.ts) rather than from rounding w / scale. The scales and the
   * pruned weights are the same either way.
   */
  codes?: Int32Array;
}

export interface QuantizedLayer {
  /** Logical codes, 0 = a zero weight. */
  codes: Int32Array;
  /** What the packed stream stores for each code. */
  fields: Int32Array;
  signed: boolean;
  /** Whether a dense encoding can store a zero weight. */
  zeroRepresentable: boolean;
  /** Per row (uniform, sign), one (uniform-layer), none (codebook); bfloat16 values when scaleFormat says so. */
  scales: Float32Array;
  scaleFormat: ScaleFormat;
  levels: Float32Array;
  dequantized: Float32Array;
  /** Whether the codes were given (spec.codes: error-compensating rounding) rather than rounded here. */
  codesGiven: boolean;
}

/** Round half to even, as numpy's round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A kept weight's uniform code: w / scale rounded half to even, clamped to [-qmax, qmax] (GPTQ rounds with it too). */
export function uniformCode(w: number, scale: number, qmax: number): number {
  return Math.max(-qmax, Math.min(qmax, roundHalfEven(w / scale)));
}

export function validateSpec(spec: QuantizerSpec, where: string): void {
  const { bits, quantizer } = spec;
  const ok = quantizer === 'sign' ? bits === 1 : Number.isInteger(bits) && bits >= 2 && bits <= 8;
  if (!ok) fail(`${where}: quantizer '${quantizer}' cannot use ${bits} bits (sign: 1; uniform, uniform-layer, codebook: 2 to 8)`);
  if (quantizer === 'codebook' && spec.codes) fail(`${where}: a codebook quantizer takes no given codes`);
  if (quantizer === 'codebook' && (spec.levels?.length !== 2 ** bits || spec.levels[0] !== 0)) fail(`${where}: a ${bits}-bit codebook needs ${2 ** bits} levels, the first 0`);
}

/** `where` starts the error messages (given codes can come from a plan file). */
export function quantizeLayer(weights: Float32Array, rows: number, spec: QuantizerSpec, where = 'quantizeLayer'): QuantizedLayer {
  validateSpec(spec, where);
  const n = weights.length;
  const rowLength = n / rows;
  const kept = (w: number) => Math.abs(w) > spec.threshold;
  const codes = new Int32Array(n);
  const dequantized = new Float32Array(n);
  const f = Math.fround;

  if (spec.quantizer === 'codebook') {
    const levels = Float32Array.from(spec.levels!);
    for (let i = 0; i < n; i++) {
      if (!kept(weights[i])) continue;
      let best = 0;
      for (let l = 1; l < levels.length; l++) if (Math.abs(weights[i] - levels[l]) < Math.abs(weights[i] - levels[best])) best = l;
      codes[i] = best;
      dequantized[i] = levels[best];
    }
    return { codes, fields: codes, signed: false, zeroRepresentable: true, scales: new Float32Array(0), scaleFormat: 'float32', levels, dequantized, codesGiven: false };
  }

  const scaleFormat = spec.scaleFormat ?? 'float32';
  const perLayer = spec.quantizer === 'uniform-layer';
  const scaleRows = perLayer ? 1 : rows;
  const scales = new Float32Array(scaleRows);
  const qmax = 2 ** (spec.bits - 1) - 1;
  for (let s = 0; s < scaleRows; s++) {
    const [from, to] = perLayer ? [0, n] : [s * rowLength, (s + 1) * rowLength];
    let max = 0;
    let sum = 0;
    let count = 0;
    for (let i = from; i < to; i++) {
      if (!kept(weights[i])) continue;
      max = Math.max(max, Math.abs(weights[i]));
      sum += Math.abs(weights[i]);
      count++;
    }
    scales[s] = spec.quantizer === 'sign' ? (count === 0 ? 0 : sum / count) : max / qmax;
    if (scaleFormat === 'bfloat16') scales[s] = bfloat16(scales[s]);
  }
  const fields = spec.quantizer === 'sign' ? new Int32Array(n) : codes;
  const given = spec.codes;
  if (given && given.length !== n) fail(`${where}: ${given.length} codes for ${n} weights`);
  for (let i = 0; i < n; i++) {
    const scale = scales[perLayer ? 0 : Math.floor(i / rowLength)];
    const w = weights[i];
    if (!kept(w) || scale === 0) {
      if (given && given[i] !== 0) fail(`${where}: code ${given[i]} for weight ${i}, which is pruned (must be 0)`);
      continue;
    }
    if (given) {
      const code = given[i];
      const range = spec.quantizer === 'sign' ? 1 : qmax;
      if (!Number.isInteger(code) || Math.abs(code) > range || (spec.quantizer === 'sign' && code === 0 && w !== 0)) fail(`${where}: code ${code} for weight ${i} is outside the ${spec.bits}-bit ${spec.quantizer} range`);
      codes[i] = code;
      if (spec.quantizer === 'sign') fields[i] = code > 0 ? 1 : 0;
    } else if (spec.quantizer === 'sign') {
      if (w === 0) continue; // no sign to keep: a zero weight
      codes[i] = w > 0 ? 1 : -1;
      fields[i] = w > 0 ? 1 : 0;
    } else {
      codes[i] = uniformCode(w, scale, qmax);
    }
    dequantized[i] = f(codes[i] * scale);
  }
  return { codes, fields, signed: spec.quantizer !== 'sign', zeroRepresentable: spec.quantizer !== 'sign', scales, scaleFormat, levels: new Float32Array(0), dequantized, codesGiven: given !== undefined };
}

const bits32 = new Uint32Array(1);
const float32 = new Float32Array(bits32.buffer);

/** The float32 bits of x (a non-negative finite float32) rounded to bfloat16, nearest even. */
export function bfloat16Bits(x: number): number {
  float32[0] = x;
  const b = bits32[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** x rounded to the nearest bfloat16, as a number (exactly a float32). */
export function bfloat16(x: number): number {
  bits32[0] = bfloat16Bits(x) << 16;
  return float32[0];
}
