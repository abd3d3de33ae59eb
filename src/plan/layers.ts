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
 * (src/pack/encode.ts) are rows of this view. A layer with a joined weight (LSTM's R after
 * W) has rows of both: row r is the weight's row r followed by the joined weight's row r.
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
  /** The second weight whose rows continue each row (its part of rowLength: the last `rowLength` values). */
  joined?: { weight: string; rowLength: number };
  /** The bias constant, if the layer has one. */
  bias?: string;
  biasCount: number;
}

export function findWeightLayers(graph: Graph): WeightLayer[] {
  const readers = new Map<string, number>();
  for (const node of graph.nodes) for (const input of new Set(node.inputs)) readers.set(input, (readers.get(input) ?? 0) + 1);
  const own = (layer: WeightLayer) => layerWeightNames(layer).every((name) => readers.get(name) === 1 && !graph.outputs.includes(name));
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
  const joinedName = def.joined === undefined ? undefined : node.inputs[def.joined];
  const joinedTensor = joinedName ? graph.constants.get(joinedName) : undefined;
  if (def.joined !== undefined && (joinedTensor?.dtype !== 'float32' || sizeOf(joinedTensor.shape) % layout.rows !== 0)) return undefined;
  const joined = joinedName && joinedTensor ? { weight: joinedName, rowLength: sizeOf(joinedTensor.shape) / layout.rows } : undefined;
  return {
    node: node.name,
    op: node.op,
    nodeIndex,
    weight,
    shape: [...tensor.shape],
    rows: layout.rows,
    rowLength: sizeOf(tensor.shape) / layout.rows + (joined?.rowLength ?? 0),
    transposed: layout.transposed,
    joined,
    bias,
    biasCount: bias ? sizeOf(graph.constants.get(bias)!.shape) : 0,
  };
}

/** The weight constants a layer's rows are made of: the weight, then the joined one. */
export function layerWeightNames(layer: WeightLayer): string[] {
  return layer.joined ? [layer.weight, layer.joined.weight] : [layer.weight];
}

/** Each weight constant's data, with how many values of every row it holds. */
function weightParts(graph: Graph, layer: WeightLayer): { name: string; data: Float32Array; length: number }[] {
  const joinedLength = layer.joined?.rowLength ?? 0;
  return layerWeightNames(layer).map((name, i) => {
    const length = i === 0 ? layer.rowLength - joinedLength : joinedLength;
    const tensor = graph.constants.get(name);
    if (!tensor || !(tensor.data instanceof Float32Array) || sizeOf(tensor.shape) !== layer.rows * length) {
      fail(`node '${layer.node}': weight '${name}' is missing or no longer ${layer.rows} x ${length} float32 values`);
    }
    return { name, data: tensor.data, length };
  });
}

/** Row-major [rows, rowLength] copy of a layer's weights. */
export function readRows(graph: Graph, layer: WeightLayer): Float32Array {
  const parts = weightParts(graph, layer);
  if (!layer.joined) return layer.transposed ? transpose(parts[0].data, layer.rowLength, layer.rows) : parts[0].data.slice();
  const rows = new Float32Array(layer.rows * layer.rowLength);
  let column = 0;
  for (const { data, length } of parts) {
    for (let r = 0; r < layer.rows; r++) rows.set(data.subarray(r * length, (r + 1) * length), r * layer.rowLength + column);
    column += length;
  }
  return rows;
}

/** Row-major values back in the graph's storage layout: new arrays, by weight constant. */
export function rowsToStorage(layer: WeightLayer, rows: Float32Array): Map<string, Float32Array> {
  if (rows.length !== layer.rows * layer.rowLength) fail(`internal: ${rows.length} values for layer '${layer.node}' of ${layer.rows} x ${layer.rowLength}`);
  if (!layer.joined) return new Map([[layer.weight, layer.transposed ? transpose(rows, layer.rows, layer.rowLength) : rows.slice()]]);
  const joinedLength = layer.joined.rowLength;
  const ownLength = layer.rowLength - joinedLength;
  const split = (from: number, length: number) => {
    const out = new Float32Array(layer.rows * length);
    for (let r = 0; r < layer.rows; r++) out.set(rows.subarray(r * layer.rowLength + from, r * layer.rowLength + from + length), r * length);
    return out;
  };
  return new Map([[layer.weight, split(0, ownLength)], [layer.joined.weight, split(ownLength, joinedLength)]]);
}

/** Overwrites the layer's weight constants in place with row-major values. */
export function writeRows(graph: Graph, layer: WeightLayer, rows: Float32Array): void {
  const storage = rowsToStorage(layer, rows);
  for (const { name, data } of weightParts(graph, layer)) data.set(storage.get(name)!);
}

/** [r, c] row-major -> [c, r] row-major. */
function transpose(values: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = values[i * c + j];
  return out;
}
