/**
 * Error-compensating rounding (GPTQ: Frantar et al., "GPTQ: Accurate Post-Training
 * Quantization for Generative Pre-trained Transformers", 2023, with a fixed magnitude mask
 * for pruning as in SparseGPT): a row's weights are rounded one at a time, and each rounding
 * (or pruning) error is spread over the weights not yet rounded so that the row's output on
 * the calibration inputs moves as little as possible (least squares in H, src/compress/hessian.ts).
 *
 * Only the codes change: the scales are still those of plain rounding (max|w| / (2^(b-1) - 1)
 * of the kept weights, mean |w| for sign) and the pruned weights the same, so the stored
 * format, the sizes' formula and the C kernels are unchanged. The codes themselves are no
 * longer a function of the weights, so plan.json carries them (src/plan/plan.ts).
 *
 * Per group of rows sharing one H: H is damped (+1% of its mean diagonal; a dead input, H_ii
 * = 0, gets 1), the weights are taken in order of decreasing H_ii (the inputs that fire most
 * first, GPTQ's "act order"), and U, the upper Cholesky factor of H^-1 in that order, drives
 * the updates: after weight i is rounded to q, w_j -= (w_i - q) / U_ii * U_ij for j after i.
 * U is computed once per layer and kept, since a search rounds a layer at many bit-widths.
 * A row whose compensated codes would move its output more than plain rounding (greedy
 * rounding can, at 1 bit) keeps the plain codes.
 */
import type { LayerHessian } from './hessian.js';
import { type QuantizerSpec, quantizeLayer, uniformCode } from '../plan/quantize.js';

const DAMPING = 0.01;

interface GroupFactor {
  /** Processing order: order[i] is the index within a row of the i-th weight rounded. */
  order: Int32Array;
  /** n x n upper triangular, in processing order. */
  u: Float64Array;
}

/** The factors of a layer's H, per group (computed once, on first use). */
export class Compensation {
  private factors?: GroupFactor[];

  constructor(readonly hessian: LayerHessian) {}

  /**
   * The codes of `rows` (row-major [rows, n]) under `spec` (uniform, uniform-layer or sign):
   * per row the compensated codes, or the plain ones where those move the row's output less.
   * quantizeLayer(rows, rowCount, { ...spec, codes }) then gives the layer as the device stores it.
   */
  codes(rows: Float32Array, rowCount: number, spec: QuantizerSpec): Int32Array {
    const { n, rowsPerGroup, h } = this.hessian;
    const plain = quantizeLayer(rows, rowCount, { ...spec, codes: undefined });
    const codes = this.compensated(rows, rowCount, spec, plain.scales);
    const d = new Float64Array(n);
    for (let r = 0; r < rowCount; r++) {
      const scale = plain.scales[plain.scales.length === 1 ? 0 : r];
      const groupH = h[Math.floor(r / rowsPerGroup)];
      const base = r * n;
      if (rowError(groupH, n, rows, base, codes, scale, d) > rowError(groupH, n, rows, base, plain.codes, scale, d)) codes.set(plain.codes.subarray(base, base + n), base);
    }
    return codes;
  }

  /** The compensated codes alone, with the plain rounding's `scales` (no choice against plain rounding). */
  compensated(rows: Float32Array, rowCount: number, spec: QuantizerSpec, scales: Float32Array): Int32Array {
    const { n, rowsPerGroup } = this.hessian;
    const factors = (this.factors ??= this.hessian.h.map((h) => factor(h, n)));
    const codes = new Int32Array(rows.length);
    const qmax = 2 ** (spec.bits - 1) - 1;
    const w = new Float64Array(n);
    for (let r = 0; r < rowCount; r++) {
      const { order, u } = factors[Math.floor(r / rowsPerGroup)];
      const scale = scales[scales.length === 1 ? 0 : r];
      const base = r * n;
      for (let i = 0; i < n; i++) w[i] = rows[base + order[i]];
      for (let i = 0; i < n; i++) {
        const original = rows[base + order[i]];
        let code = 0;
        if (Math.abs(original) > spec.threshold && scale !== 0) {
          if (spec.quantizer === 'sign') code = original === 0 ? 0 : (w[i] === 0 ? original : w[i]) > 0 ? 1 : -1;
          else code = uniformCode(w[i], scale, qmax);
        }
        codes[base + order[i]] = code;
        const error = (w[i] - Math.fround(code * scale)) / u[i * n + i];
        if (error === 0) continue;
        for (let j = i + 1; j < n; j++) w[j] -= error * u[i * n + j];
      }
    }
    return codes;
  }
}

/** d^T H d with d = the row's weights minus code * scale (in `d`): the row's squared output error on the calibration inputs. */
function rowError(h: Float64Array, n: number, rows: Float32Array, base: number, codes: Int32Array, scale: number, d: Float64Array): number {
  for (let i = 0; i < n; i++) d[i] = rows[base + i] - Math.fround(codes[base + i] * scale);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (d[i] === 0) continue;
    let s = 0;
    for (let j = 0; j < n; j++) s += h[i * n + j] * d[j];
    total += d[i] * s;
  }
  return total;
}

/**
 * U with U^T U = H'^-1, H' = H damped and in processing order. With P the reversal, A = P H' P
 * = L L^T (Cholesky) and M = L^-1 give H'^-1 = (P M P)^T (P M P), and P M P is upper
 * triangular: one factorisation and one triangular inverse.
 */
function factor(hessian: Float64Array, n: number): GroupFactor {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += hessian[i * n + i];
  mean = mean / n || 1;
  const diagonal = (i: number) => (hessian[i * n + i] === 0 ? 1 : hessian[i * n + i]);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => diagonal(b) - diagonal(a) || a - b);
  // a[i][j] = H'[order[n-1-i]][order[n-1-j]]
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const p = order[n - 1 - i];
    for (let j = 0; j < n; j++) a[i * n + j] = hessian[p * n + order[n - 1 - j]];
    a[i * n + i] = diagonal(p) + DAMPING * mean;
  }
  const l = cholesky(a, n);
  const m = lowerInverse(l, n);
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) u[i * n + j] = m[(n - 1 - i) * n + (n - 1 - j)];
  return { order, u };
}

/** Lower L with L L^T = a (a symmetric positive definite; the damping sees to that). */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j];
    for (let k = 0; k < j; k++) d -= l[rowJ + k] * l[rowJ + k];
    const ljj = Math.sqrt(Math.max(d, 1e-12 * Math.abs(a[rowJ + j]) || 1e-300));
    l[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j];
      for (let k = 0; k < j; k++) s -= l[rowI + k] * l[rowJ + k];
      l[rowI + j] = s / ljj;
    }
  }
  return l;
}

/** L^-1 of a lower triangular L (forward substitution, column by column). */
function lowerInverse(l: Float64Array, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    m[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i * n + k] * m[k * n + j];
      m[i * n + j] = -s / l[i * n + i];
    }
  }
  return m;
}
