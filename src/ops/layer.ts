/**
 * What a weight-bearing op means for compression: which input is its compressible weight,
 * how that weight reads as rows (one per output channel), and what its rows multiply.
 * The compressor's per-row scales and pruning, the plan and the C backend's packed rows all
 * work on this row view (src/plan/layers.ts), so they agree on it.
 */
import type { Node } from '../ir/graph.js';
import type { OpContext } from '../ir/context.js';

export interface LayerLayout {
  /** Output channels: each row holds the weights that produce one. */
  rows: number;
  /** Whether a row is a column of the stored matrix (a [K, N] weight); otherwise a row of it, flattened. */
  transposed: boolean;
}

/** The vectors a layer's weight rows multiply: `perWindow` of them per group and window. */
export interface InputVectors {
  groups: number;
  perWindow: number;
  /** Writes vector v of group g of `input` into `column` and its nonzero indices into `nonzero`; returns their count. */
  fill(input: Float32Array, g: number, v: number, column: Float64Array, nonzero: Int32Array): number;
}

export interface LayerDef {
  /** Input index of the weight. */
  weight: number;
  /** Input index of a second weight whose rows continue the weight's, row for row (LSTM's R after W): one layer of rows of both lengths. */
  joined?: number;
  /** Input index of the bias, for ops that have one. */
  bias?: number;
  /** The row view of a weight of this shape, or undefined when the node is no such layer. */
  layout(node: Node, weightShape: readonly number[]): LayerLayout | undefined;
  /** Whether a per-output-channel y * scale + shift after the layer folds into its weight and bias. */
  foldsAffine(node: Node): boolean;
  /** The vectors its rows multiply, from the layer's input (GPTQ's Hessian); null when it cannot tell. */
  inputVectors(ctx: OpContext, rowLength: number): InputVectors | null;
}

/** The input vectors of a matrix layer: one per row of A [M, K] (or of A^T when transA), K = rowLength. */
export function matrixInputVectors(inputSize: number, rowLength: number, transA: boolean): InputVectors | null {
  if (inputSize % rowLength !== 0) return null;
  const m = inputSize / rowLength;
  return {
    groups: 1,
    perWindow: m,
    fill(input, _g, r, column, nonzero) {
      let count = 0;
      for (let k = 0; k < rowLength; k++) {
        const value = transA ? input[k * m + r] : input[r * rowLength + k];
        column[k] = value;
        if (value !== 0) nonzero[count++] = k;
      }
      return count;
    },
  };
}
