/**
 * The weight-bearing layers of a graph and their row view: what the compressor quantizes and
 * prunes, and what the C backend packs. Both use this module, so they agree on which
 * constant is a layer's weight and how its weights are ordered.
 *
 * A weight-bearing layer is a node with a float32 constant weight read by no other node:
 *
 *  Conv    weight W [Cout, Cin/group, K]; bias = input 2 when it is a constant.
 *  Gemm    constant B; bias = C when it is a constant.
 *  MatMul  constant second operand B [K, N] (rank 2); no bias (a following Add keeps its
 *          own float32 constant).
 *
 * Row view: rows are output channels, each row the weights that produce one output
 * channel, in a row-major [rows, rowLength] array (rows * rowLength = the weight's size):
 *
 *  Conv               rows = Cout, row r = W[r, :, :] flattened (storage order unchanged).
 *  Gemm transB = 1    B is [N, K]: rows = N, row r = B[r, :] (storage order unchanged).
 *  Gemm transB = 0    B is [K, N]: rows = N, row r = B[:, r] (the transpose of storage).
 *  MatMul             B is [K, N]: as Gemm with transB = 0.
 *
 * Per-row quantizer scales (src/compress/quantize.ts) and the sparse encodings' rows
 * (src/pack/encode.ts) are rows of this view.
 */
import { fail } from '../errors.js';
import { type Graph, sizeOf } from '../ir/graph.js';
import { attrInt } from '../onnx/attributes.js';

export interface WeightLayer {
  /** Node name. */
  node: string;
  op: 'Conv' | 'Gemm' | 'MatMul';
  /** Index of the node in graph.nodes (topological order). */
  nodeIndex: number;
  /** Name of the weight constant. */
  weight: string;
  /** The weight's shape as stored in the graph. */
  shape: number[];
  rows: number;
  rowLength: number;
  /** Whether a row is a column of the stored matrix (Gemm transB = 0, MatMul). */
  transposed: boolean;
  /** The bias constant, if the layer has one. */
  bias?: string;
  biasCount: number;
}

export function findWeightLayers(graph: Graph): WeightLayer[] {
  const readers = new Map<string, number>();
  for (const node of graph.nodes) for (const input of new Set(node.inputs)) readers.set(input, (readers.get(input) ?? 0) + 1);
  const ownConstant = (name: string | undefined) =>
    name !== undefined && name !== '' && graph.constants.get(name)?.dtype === 'float32' && readers.get(name) === 1 && !graph.outputs.includes(name);

  const layers: WeightLayer[] = [];
  graph.nodes.forEach((node, nodeIndex) => {
    const weight = node.inputs[1];
    if (!['Conv', 'Gemm', 'MatMul'].includes(node.op) || !ownConstant(weight)) return;
    const shape = graph.constants.get(weight)!.shape;
    let rows: number;
    let transposed = false;
    if (node.op === 'Conv') {
      if (shape.length < 2) return;
      rows = shape[0];
    } else {
      if (shape.length !== 2) return;
      transposed = node.op === 'MatMul' || attrInt(node, 'transB', 0) === 0;
      rows = transposed ? shape[1] : shape[0];
    }
    if (rows < 1) return;
    const biasName = node.op === 'MatMul' ? undefined : node.inputs[2];
    const bias = biasName !== undefined && graph.constants.has(biasName) ? biasName : undefined;
    layers.push({
      node: node.name,
      op: node.op as WeightLayer['op'],
      nodeIndex,
      weight,
      shape: [...shape],
      rows,
      rowLength: sizeOf(shape) / rows,
      transposed,
      bias,
      biasCount: bias ? sizeOf(graph.constants.get(bias)!.shape) : 0,
    });
  });
  return layers;
}

function weightData(graph: Graph, layer: WeightLayer): Float32Array {
  const tensor = graph.constants.get(layer.weight);
  if (!tensor || !(tensor.data instanceof Float32Array) || sizeOf(tensor.shape) !== layer.rows * layer.rowLength) {
    fail(`node '${layer.node}': weight '${layer.weight}' is missing or no longer ${layer.rows} x ${layer.rowLength} float32 values`);
  }
  return tensor.data;
}

/** Row-major [rows, rowLength] copy of a layer's weights. */
export function readRows(graph: Graph, layer: WeightLayer): Float32Array {
  const data = weightData(graph, layer);
  return layer.transposed ? transpose(data, layer.rowLength, layer.rows) : data.slice();
}

/** Row-major values back in the graph's storage layout (a new array). */
export function rowsToStorage(layer: WeightLayer, rows: Float32Array): Float32Array {
  if (rows.length !== layer.rows * layer.rowLength) fail(`internal: ${rows.length} values for layer '${layer.node}' of ${layer.rows} x ${layer.rowLength}`);
  return layer.transposed ? transpose(rows, layer.rows, layer.rowLength) : rows.slice();
}

/** Overwrites the layer's weight constant in place with row-major values. */
export function writeRows(graph: Graph, layer: WeightLayer, rows: Float32Array): void {
  weightData(graph, layer).set(rowsToStorage(layer, rows));
}

/** [r, c] row-major -> [c, r] row-major. */
function transpose(values: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = values[i * c + j];
  return out;
}
