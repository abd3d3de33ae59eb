/**
 * The flash bytes of one weight-bearing layer as the C backend emits it: the encoded codes
 * (indices + packed codes), float32 or bfloat16 scales or float32 codebook levels, and the float32 bias. A layer
 * left in float32 costs 4 bytes per weight, or its nonzeros and their indices when pruned.
 * The compressor's budgets sum these.
 */
import { type Encoding, chooseEncoding } from './encode.js';

/** What the size of a quantized layer depends on (src/plan/quantize.ts's QuantizedLayer). */
export interface CodedLayer {
  codes: ArrayLike<number>;
  zeroRepresentable: boolean;
  scales: ArrayLike<number>;
  scaleFormat: 'float32' | 'bfloat16';
  levels: ArrayLike<number>;
}

export interface LayerSize {
  encoding: Encoding | 'float32';
  indexBytes: number;
  codeBytes: number;
  scaleBytes: number;
  levelBytes: number;
  biasBytes: number;
  total: number;
}

export function quantizedLayerSize(layer: CodedLayer, rows: number, bits: number, biasCount: number): LayerSize {
  const e = chooseEncoding(layer.codes, rows, bits, layer.zeroRepresentable);
  const scaleBytes = (layer.scaleFormat === 'bfloat16' ? 2 : 4) * layer.scales.length;
  const levelBytes = 4 * layer.levels.length;
  const biasBytes = 4 * biasCount;
  return { encoding: e.encoding, indexBytes: e.indexBytes, codeBytes: e.codeBytes, scaleBytes, levelBytes, biasBytes, total: e.total + scaleBytes + levelBytes + biasBytes };
}

/**
 * A float32 layer: 4 bytes a weight (dense), or, when pruning left zeros and it is smaller,
 * bitmap or delta indices (src/pack/encode.ts) then the nonzero weights as float32.
 */
export function floatLayerSize(weights: ArrayLike<number>, rows: number, biasCount: number): LayerSize {
  const e = chooseEncoding(weights, rows, 32, true);
  const biasBytes = 4 * biasCount;
  return { encoding: e.encoding === 'dense' ? 'float32' : e.encoding, indexBytes: e.indexBytes, codeBytes: e.codeBytes, scaleBytes: 0, levelBytes: 0, biasBytes, total: e.total + biasBytes };
}

/**
 * A layer on int8 activations (src/quant/integer-graph.ts): the encoded codes (1 bit: sign
 * codes, which a dense stream cannot hold zeros in), then per row a Q31 multiplier, a shift
 * (int8) and an int32 bias (9 bytes a row; `scaleBytes` counts the multiplier and shift).
 */
export function integerLayerSize(codes: ArrayLike<number>, rows: number, bits: number): LayerSize {
  const e = chooseEncoding(codes, rows, bits, bits > 1);
  const [scaleBytes, biasBytes] = [5 * rows, 4 * rows];
  return { encoding: e.encoding, indexBytes: e.indexBytes, codeBytes: e.codeBytes, scaleBytes, levelBytes: 0, biasBytes, total: e.total + scaleBytes + biasBytes };
}
