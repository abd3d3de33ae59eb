/**
 * One layer's compression choice (bits, quantizer, pruning) and what it makes of the layer's
 * weights: the dequantized values the reference runs, the quantizer's scales or levels, the
 * sparsity and the exact flash bytes (src/pack/size.ts).
 *
 * Pruning: `prune` = p in [0, 1) removes the p-th percentile of |W| (the layer's row view):
 * with |W| sorted ascending as a_1 <= ... <= a_n and k = floor(p * n), the threshold is a_k
 * (k = 0: -1, nothing pruned), and every |w| <= threshold becomes an exact zero, so ties at
 * the threshold are pruned together and the achieved sparsity can exceed p.
 *
 * bits 32 leaves the layer float32 (pruned weights exact zeros; the C stores the nonzeros and
 * their indices when that is smaller than dense float32, src/pack/size.ts).
 * bits 1 is always the sign quantizer; 2..8 use the chosen quantizer (uniform per row,
 * uniform-layer, or codebook with k-means levels, src/compress/codebook.ts). With
 * error-compensating rounding (src/compress/gptq.ts), uniform, uniform-layer and sign codes
 * come from it; float32 and codebook layers are unaffected.
 */
import { fail } from '../errors.js';
import { type LayerSize, floatLayerSize, integerLayerSize, quantizedLayerSize } from '../pack/size.js';
import { codebookLevels } from './codebook.js';
import type { Compensation } from './gptq.js';
import type { WeightLayer } from '../plan/layers.js';
import { type PlanLayer, encodeCodes } from '../plan/plan.js';
import { FLOAT_BITS, type QuantizedLayer, type Quantizer, type QuantizerFamily, type QuantizerSpec, type ScaleFormat, quantizeLayer } from '../plan/quantize.js';

export interface LayerChoice {
  /** 1..8, or 32 (float32). */
  bits: number;
  /** Quantizer for 2..8 bits (ignored at 1 bit, which is sign, and at 32). */
  family: QuantizerFamily;
  prune: number;
}

export interface RealizedLayer {
  choice: LayerChoice;
  quantizer: Quantizer | 'float32';
  threshold: number;
  /** Fraction of weights that are exactly zero after compression. */
  sparsity: number;
  /** Row-major [rows, rowLength]. */
  dequantized: Float32Array;
  quantized?: QuantizedLayer;
  levels?: number[];
  size: LayerSize;
}

export function quantizerOf(choice: LayerChoice): Quantizer | 'float32' {
  if (choice.bits === FLOAT_BITS) return 'float32';
  return choice.bits === 1 ? 'sign' : choice.family;
}

export function choiceText(choice: LayerChoice): string {
  const prune = choice.prune > 0 ? ` prune ${(100 * choice.prune).toFixed(0)}%` : '';
  return choice.bits === FLOAT_BITS ? `float32${prune}` : `${choice.bits}-bit ${quantizerOf(choice)}${prune}`;
}

/** A layer's row-major weights with |w| sorted once, for the many candidates a search tries. */
export class LayerWeights {
  private readonly sortedMagnitudes: Float32Array;

  constructor(
    readonly layer: WeightLayer,
    readonly rows: Float32Array,
    readonly scaleFormat: ScaleFormat = 'float32',
    /**
     * Error-compensating rounding for uniform, uniform-layer and sign (looked up when a choice
     * is first rounded: H is gathered only if something is); plain rounding without.
     */
    readonly compensation?: () => Compensation | undefined,
    /** The integer mode's: float32 is 8-bit uniform, and the bytes are the integer kernels' (integerLayerSize). */
    readonly integer = false,
  ) {
    this.sortedMagnitudes = rows.map(Math.abs).sort();
  }

  get count(): number {
    return this.rows.length;
  }

  /** The threshold of pruning fraction p (see the module comment). */
  threshold(prune: number): number {
    if (!(prune >= 0 && prune < 1)) fail(`layer '${this.layer.node}': pruning fraction ${prune} is outside [0, 1)`);
    const k = Math.floor(prune * this.count);
    return k === 0 ? -1 : this.sortedMagnitudes[k - 1];
  }

  realize(asked: LayerChoice): RealizedLayer {
    // the integer mode has no float32 layer: one left float32 is 8-bit uniform there
    const choice = this.integer && asked.bits === FLOAT_BITS ? { bits: 8, family: 'uniform' as const, prune: asked.prune } : asked;
    const threshold = this.threshold(choice.prune);
    const quantizer = quantizerOf(choice);
    if (this.integer && quantizer === 'codebook') fail(`--activations int8: layer '${this.layer.node}' would use a codebook, which has no integer form (use --quantizer uniform or uniform-layer)`);
    if (quantizer === 'float32') {
      const dequantized = this.rows.map((w) => (Math.abs(w) <= threshold ? 0 : w));
      return { choice, quantizer, threshold, sparsity: zeroFraction(dequantized), dequantized, size: floatLayerSize(dequantized, this.layer.rows, this.layer.biasCount) };
    }
    const spec: QuantizerSpec = { bits: choice.bits, quantizer, threshold, scaleFormat: this.scaleFormat };
    if (quantizer === 'codebook') spec.levels = codebookLevels(this.rows, choice.bits, threshold);
    else spec.codes = this.compensation?.()?.codes(this.rows, this.layer.rows, spec);
    const quantized = quantizeLayer(this.rows, this.layer.rows, spec);
    return {
      choice,
      quantizer,
      threshold,
      sparsity: zeroFraction(quantized.codes),
      dequantized: quantized.dequantized,
      quantized,
      levels: spec.levels,
      size: this.integer ? integerLayerSize(quantized.codes, this.layer.rows, choice.bits) : quantizedLayerSize(quantized, this.layer.rows, choice.bits, this.layer.biasCount),
    };
  }
}

export function zeroFraction(values: ArrayLike<number>): number {
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
  return values.length === 0 ? 0 : zeros / values.length;
}

/** A layer's entry in a plan: the layer, its importance, and what its choice made of it. */
export function planLayer(layer: WeightLayer, importance: PlanLayer['importance'], realized: RealizedLayer): PlanLayer {
  const s = realized.size;
  return {
    node: layer.node,
    op: layer.op,
    weight: layer.weight,
    shape: layer.shape,
    rows: layer.rows,
    rowLength: layer.rowLength,
    transposed: layer.transposed,
    bias: layer.bias ?? null,
    biasCount: layer.biasCount,
    importance: { rho: importance.rho, delta: importance.delta, importance: importance.importance },
    bits: realized.choice.bits,
    quantizer: realized.quantizer,
    prune: realized.choice.prune,
    threshold: realized.threshold,
    sparsity: realized.sparsity,
    scales: Array.from(realized.quantized?.scales ?? []),
    scaleFormat: realized.quantized?.scaleFormat ?? 'float32',
    levels: realized.levels ?? [],
    ...(realized.quantized?.codesGiven ? { codes: encodeCodes(realized.quantized.codes, realized.choice.bits) } : {}),
    encoding: s.encoding,
    bytes: { index: s.indexBytes, codes: s.codeBytes, scales: s.scaleBytes, levels: s.levelBytes, bias: s.biasBytes, total: s.total },
    float32Bytes: 4 * (layer.rows * layer.rowLength + layer.biasCount),
  };
}
