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
  /** Input vectors summed. */
  vectors: number;
}

/** H is accumulated over at most this many windows (evenly spread over the data). */
export const HESSIAN_WINDOWS = 512;

/**
 * Every layer's H over (at most HESSIAN_WINDOWS of) `count` windows stored back to back in
 * `x`; null for a layer whose input layout is not one of the above (it keeps plain rounding).
 */
export function layerHessians(graph: Graph, layers: WeightLayer[], x: Float32Array, count: number): (LayerHessian | null)[] {
  const accumulators = layers.map((layer) => accumulatorFor(graph, layer));
  const inputs = layers.map((l) => graph.nodes[l.nodeIndex].inputs[0]);
  const compiled = compileGraph({ ...graph, outputs: inputs });
  const [inSize] = compiled.inputSizes;
  const used = Math.min(count, HESSIAN_WINDOWS);
  for (let s = 0; s < used; s++) {
    const window = Math.floor((s * count) / used);
    const values = compiled.run([x.subarray(window * inSize, (window + 1) * inSize)]);
    accumulators.forEach((a, i) => a?.add(values[i]));
  }
  return accumulators.map((a) => a?.finish() ?? null);
}

interface Accumulator {
  add(input: Float32Array): void;
  finish(): LayerHessian;
}

function accumulatorFor(graph: Graph, layer: WeightLayer): Accumulator | null {
  const node = graph.nodes[layer.nodeIndex];
  const n = layer.rowLength;
  if (layer.op === 'Conv') {
    if (layer.shape.length !== 3) return null;
    const { window, inChannels, group } = convGeometry(opContext(graph, node));
    const { kernel: K, stride, dilation, padBegin, inLength: T, outLength } = window;
    const inPerGroup = inChannels / group;
    const h = Array.from({ length: group }, () => new Float64Array(n * n));
    const column = new Float64Array(n);
    const nonzero = new Int32Array(n);
    let vectors = 0;
    return {
      add(input) {
        for (let g = 0; g < group; g++) {
          for (let t = 0; t < outLength; t++) {
            let nz = 0;
            for (let c = 0; c < inPerGroup; c++) {
              const channel = (g * inPerGroup + c) * T;
              for (let k = 0; k < K; k++) {
                const at = t * stride - padBegin + k * dilation;
                const v = at >= 0 && at < T ? input[channel + at] : 0;
                column[c * K + k] = v;
                if (v !== 0) nonzero[nz++] = c * K + k;
              }
            }
            addOuter(h[g], n, column, nonzero, nz);
          }
        }
        vectors += outLength;
      },
      finish: () => ({ n, rowsPerGroup: layer.rows / group, h: h.map((m) => symmetric(m, n)), vectors }),
    };
  }
  // Gemm (A [M, K], or [K, M] when transA) and MatMul (A [..., K]): one vector per row of A.
  const transA = layer.op === 'Gemm' && attrInt(node, 'transA', 0) === 1;
  const size = sizeOf(graph.values.get(node.inputs[0])?.shape ?? []);
  if (size % n !== 0) return null;
  const m = size / n;
  const h = new Float64Array(n * n);
  const column = new Float64Array(n);
  const nonzero = new Int32Array(n);
  let vectors = 0;
  return {
    add(input) {
      for (let r = 0; r < m; r++) {
        let nz = 0;
        for (let k = 0; k < n; k++) {
          const v = transA ? input[k * m + r] : input[r * n + k];
          column[k] = v;
          if (v !== 0) nonzero[nz++] = k;
        }
        addOuter(h, n, column, nonzero, nz);
      }
      vectors += m;
    },
    finish: () => ({ n, rowsPerGroup: layer.rows, h: [symmetric(h, n)], vectors }),
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
