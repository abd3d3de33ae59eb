/**
 * The weight-bearing layers of a graph and their row view: what the compressor quantizes and
 * prunes, what a plan describes, and what the C backend packs. All three use this module, so
 * they agree on which constant is a layer's weight and how its weights are ordered.
 *
 * A weight-bearing layer is a node whose op definition has a `layer` (src/ops/layer.ts) and
 * whose weight is a float32 constant read by no other node. Its definition says which input
 * is the weight and which the bias, and how the weight reads as rows: each row holds the
 * weights that produce one output channel, in a row-major [rows, rowLength] array (for
 * Conv W[r, :, :] flattened; for a [K, N] matrix weight a column, the transpose of storage).
 * Per-row quantizer scales (src/plan/quantize.ts) and the sparse encodings' rows
 * (src/pack/encode.ts) are rows of this view.
 */
import { fail } from '../errors.js';
import { type Graph, type Node, sizeOf } from '../ir/graph.js';
import { opDef } from '../ops/index.js';

export interface WeightLayer {
  /** Node name. */
  node: string;
  op: string;
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
  const own = (layer: WeightLayer) => readers.get(layer.weight) === 1 && !graph.outputs.includes(layer.weight);
  return graph.nodes.flatMap((node, nodeIndex) => {
    const layer = weightLayerOf(graph, node, nodeIndex);
    return layer && own(layer) ? [layer] : [];
  });
}

/**
 * The row view of a node's float32 constant weight, as its op defines it, whether or not
 * other nodes read the weight too; undefined when the node is no weight-bearing layer.
 */
export function weightLayerOf(graph: Graph, node: Node, nodeIndex = graph.nodes.indexOf(node)): WeightLayer | undefined {
  const def = opDef(node).layer;
  const weight = def && node.inputs[def.weight];
  const tensor = weight ? graph.constants.get(weight) : undefined;
  if (!def || !weight || tensor?.dtype !== 'float32') return undefined;
  const layout = def.layout(node, tensor.shape);
  if (!layout) return undefined;
  const biasName = def.bias === undefined ? undefined : node.inputs[def.bias];
  const bias = biasName && graph.constants.has(biasName) ? biasName : undefined;
  return {
    node: node.name,
    op: node.op,
    nodeIndex,
    weight,
    shape: [...tensor.shape],
    rows: layout.rows,
    rowLength: sizeOf(tensor.shape) / layout.rows,
    transposed: layout.transposed,
    bias,
    biasCount: bias ? sizeOf(graph.constants.get(bias)!.shape) : 0,
  };
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
