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
import type { Graph } from '../ir/graph.js';
import { opContext } from '../ir/context.js';
import { opDef } from '../ops/index.js';
import type { InputVectors } from '../ops/layer.js';
import { compileGraph, runInputSize, runInputs } from '../ref/interpreter.js';
import type { WeightLayer } from '../plan/layers.js';

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
  const { batch } = compiled;
  const inSize = runInputSize(compiled) / batch;
  // Runs full of real windows, evenly spread (a batch larger than the data repeats some).
  const runs = Math.ceil(Math.min(count, HESSIAN_WINDOWS) / batch);
  const run = new Float32Array(batch * inSize);
  for (let r = 0; r < runs; r++) {
    for (let w = 0; w < batch; w++) {
      const window = Math.floor(((r * batch + w) * count) / (runs * batch));
      run.set(x.subarray(window * inSize, (window + 1) * inSize), w * inSize);
    }
    const values = compiled.run(runInputs(compiled, run));
    sources.forEach((source, i) => {
      for (let g = 0; g < (source?.groups ?? 0); g++) {
        for (let v = 0; v < source!.perWindow; v++) addOuter(h[i][g], layers[i].rowLength, column, nonzero, source!.fill(values[i], g, v, column, nonzero));
      }
    });
  }
  return sources.map((source, i) => source && { n: layers[i].rowLength, rowsPerGroup: layers[i].rows / source.groups, h: h[i].map((m) => symmetric(m, layers[i].rowLength)) });
}

/** A layer's input vectors, as its op's definition reads them (src/ops/layer.ts). */
function inputVectors(graph: Graph, layer: WeightLayer): InputVectors | null {
  const node = graph.nodes[layer.nodeIndex];
  return opDef(node).layer?.inputVectors(opContext(graph, node), layer.rowLength) ?? null;
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
