/**
 * The flash bytes of one weight-bearing layer as the C backend emits it: the encoded codes
 * (indices + packed codes), float32 scales or codebook levels, and the float32 bias. A layer
 * left in float32 costs 4 bytes per weight. The compressor's budgets sum these.
 */
import type { QuantizedLayer } from '../compress/quantize.js';
import { type Encoding, chooseEncoding } from './encode.js';

export interface LayerSize {
  encoding: Encoding | 'float32';
  indexBytes: number;
  codeBytes: number;
  scaleBytes: number;
  levelBytes: number;
  biasBytes: number;
  total: number;
}

export function quantizedLayerSize(layer: QuantizedLayer, rows: number, bits: number, biasCount: number): LayerSize {
  const e = chooseEncoding(layer.codes, rows, bits, layer.zeroRepresentable);
  const scaleBytes = 4 * layer.scales.length;
  const levelBytes = 4 * layer.levels.length;
  const biasBytes = 4 * biasCount;
  return { encoding: e.encoding, indexBytes: e.indexBytes, codeBytes: e.codeBytes, scaleBytes, levelBytes, biasBytes, total: e.total + scaleBytes + levelBytes + biasBytes };
}

export function floatLayerSize(weightCount: number, biasCount: number): LayerSize {
  return { encoding: 'float32', indexBytes: 0, codeBytes: 4 * weightCount, scaleBytes: 0, levelBytes: 0, biasBytes: 4 * biasCount, total: 4 * (weightCount + biasCount) };
}
