/**
 * What error-compensating rounding (src/compress/gptq.ts) needs to know of a layer's inputs:
 * H = sum over the calibration windows of x x^T, where x runs over every input vector one
 * output row of the layer multiplies (a Conv's im2col columns, per group; a Gemm's or
 * MatMul's input rows). The squared output error of a row whose weights move by d is then
 * d^T H d, so H weighs a weight's error by how much, and with what, its input fires.
 *
 * The windows are run through the full float32 model (the reference interpreter), so every
 * layer's H is that of the model as trained and does not depend on what the search decides
 * for the other layers: a layer's rounding for given bits and pruning is computed once.
 */
import { type Graph, sizeOf } from '../ir/graph.js';
import { opContext } from '../ir/context.js';
import { attrInt } from '../onnx/attributes.js';
import { compileGraph } from '../ref/interpreter.js';
import { geometry as convGeometry } from '../ref/ops/conv.js';
import type { WeightLayer } from './layers.js';

export interface LayerHessian {
  /** Length of the input vectors: the layer's row length. */
  n: number;
  /** Rows (output channels) per group; group g's H applies to rows [g * rowsPerGroup, (g + 1) * rowsPerGroup). */
  rowsPerGroup: number;
  /** Per group, n x n, row-major, symmetric. */
  h: Float64Array[];
}

/** H is accumulated over at most this many windows (evenly spread over the data). */
export const HESSIAN_WINDOWS = 512;

/**
 * Every layer's H over (at most HESSIAN_WINDOWS of) `count` windows stored back to back in
 * `x`; null for a layer whose input layout is not one of the above (it keeps plain rounding).
 */
export function layerHessians(graph: Graph, layers: WeightLayer[], x: Float32Array, count: number): (LayerHessian | null)[] {
  const sources = layers.map((layer) => inputVectors(graph, layer));
  const h = layers.map((layer, i) => Array.from({ length: sources[i]?.groups ?? 0 }, () => new Float64Array(layer.rowLength ** 2)));
  const column = new Float64Array(Math.max(...layers.map((l) => l.rowLength)));
  const nonzero = new Int32Array(column.length);
  const compiled = compileGraph({ ...graph, outputs: layers.map((l) => graph.nodes[l.nodeIndex].inputs[0]) });
  const [inSize] = compiled.inputSizes;
  const used = Math.min(count, HESSIAN_WINDOWS);
  for (let s = 0; s < used; s++) {
    const window = Math.floor((s * count) / used);
    const values = compiled.run([x.subarray(window * inSize, (window + 1) * inSize)]);
    sources.forEach((source, i) => {
      for (let g = 0; g < (source?.groups ?? 0); g++) {
        for (let v = 0; v < source!.perWindow; v++) addOuter(h[i][g], layers[i].rowLength, column, nonzero, source!.fill(values[i], g, v, column, nonzero));
      }
    });
  }
  return sources.map((source, i) => source && { n: layers[i].rowLength, rowsPerGroup: layers[i].rows / source.groups, h: h[i].map((m) => symmetric(m, layers[i].rowLength)) });
}

/** Where a layer's input vectors come from: `perWindow` of them per group and window. */
interface InputVectors {
  groups: number;
  perWindow: number;
  /** Writes vector v of group g of `input` into `column` and its nonzero indices into `nonzero`; returns their count. */
  fill(input: Float32Array, g: number, v: number, column: Float64Array, nonzero: Int32Array): number;
}

function inputVectors(graph: Graph, layer: WeightLayer): InputVectors | null {
  const node = graph.nodes[layer.nodeIndex];
  const n = layer.rowLength;
  if (layer.op === 'Conv') {
    const { window, inChannels, group } = convGeometry(opContext(graph, node));
    const { kernel: K, stride, dilation, padBegin, inLength: T, outLength } = window;
    const inPerGroup = inChannels / group;
    return {
      groups: group,
      perWindow: outLength,
      fill(input, g, t, column, nonzero) {
        let count = 0;
        for (let c = 0; c < inPerGroup; c++) {
          const channel = (g * inPerGroup + c) * T;
          for (let k = 0; k < K; k++) {
            const at = t * stride - padBegin + k * dilation;
            const value = at >= 0 && at < T ? input[channel + at] : 0;
            column[c * K + k] = value;
            if (value !== 0) nonzero[count++] = c * K + k;
          }
        }
        return count;
      },
    };
  }
  // Gemm (A [M, K], or [K, M] when transA) and MatMul (A [..., K]): one vector per row of A.
  const transA = layer.op === 'Gemm' && attrInt(node, 'transA', 0) === 1;
  const size = sizeOf(graph.values.get(node.inputs[0])?.shape ?? []);
  if (size % n !== 0) return null;
  const m = size / n;
  return {
    groups: 1,
    perWindow: m,
    fill(input, _g, r, column, nonzero) {
      let count = 0;
      for (let k = 0; k < n; k++) {
        const value = transA ? input[k * m + r] : input[r * n + k];
        column[k] = value;
        if (value !== 0) nonzero[count++] = k;
      }
      return count;
    },
  };
}

/** h += v v^T on the upper triangle, over v's nonzero entries (ReLU inputs are half zeros). */
function addOuter(h: Float64Array, n: number, v: Float64Array, nonzero: Int32Array, count: number): void {
  for (let a = 0; a < count; a++) {
    const i = nonzero[a];
    const vi = v[i];
    const row = i * n;
    for (let b = a; b < count; b++) h[row + nonzero[b]] += vi * v[nonzero[b]];
  }
}

/** Copies the upper triangle onto the lower one. */
function symmetric(h: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) h[j * n + i] = h[i * n + j];
  return h;
}
