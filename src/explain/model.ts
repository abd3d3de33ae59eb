/**
 * What an explanation explains: a class's score, which is the graph's output for it or,
 * where the graph ends in Softmax, the logit before it (probabilities saturate, and their
 * gradients with them); and the layer whose map Grad-CAM weighs.
 */
import { fail } from '../errors.js';
import { opContext } from '../ir/context.js';
import { type Graph, type Node, shapeText, sizeOf } from '../ir/graph.js';
import { opDef } from '../ops/index.js';

/** The graph without a final op whose output is probabilities (Softmax, Sigmoid): the logits. */
export function scoreGraph(graph: Graph): Graph {
  const last = graph.nodes.find((n) => n.outputs.includes(graph.outputs[0]));
  if (!last || !opDef(last).outputMeaning?.probabilities || graph.outputs.length !== 1) return graph;
  return { ...graph, nodes: graph.nodes.filter((n) => n !== last), outputs: [last.inputs[0]] };
}

/** Samples per window: the last axis of the first input ([N, C, T] or [N, C, 1, T]). */
export function timeLength(graph: Graph): number {
  const shape = graph.values.get(graph.inputs[0])!.shape;
  if (shape.length < 3) fail(`the model's input '${graph.inputs[0]}' is ${shapeText(shape)}; explanations need windows [N, C, T] or [N, C, 1, T]`);
  return shape[shape.length - 1];
}

/** Scores per window: the graph's output values per batch entry. */
export function scoresPerWindow(graph: Graph): number {
  const shape = graph.values.get(graph.outputs[0])!.shape;
  return sizeOf(shape.slice(1));
}

/** The last node that pools a map globally (GlobalAveragePool, a ReduceMean over the time axis, ...) `kind` (any when undefined). */
export function lastGlobalPool(graph: Graph, kind?: 'average' | 'max'): Node | undefined {
  return [...graph.nodes].reverse().find((n) => {
    const pool = opDef(n).globalPool?.(opContext(graph, n));
    return pool !== undefined && (kind === undefined || pool === kind);
  });
}

/** Nodes of weight-bearing layers whose output is a map [N, C, ...] of a channel per weight row (convolutions; not a recurrent layer's [T, directions, N, H]). */
function mapLayers(graph: Graph): Node[] {
  return graph.nodes.filter((n) => {
    const layer = opDef(n).layer;
    const weight = layer && graph.values.get(n.inputs[layer.weight])?.shape;
    const out = graph.values.get(n.outputs[0])?.shape ?? [];
    return weight !== undefined && out.length >= 3 && layer!.layout(n, weight)?.rows === out[1];
  });
}

/**
 * The value Grad-CAM weighs: with `node`, that node's output (a map [N, C, T]); by default
 * the map the last global pooling reads (the last convolutional block's activations), or
 * without one the last convolution's output.
 */
export function camLayer(graph: Graph, node?: string): { node: Node; value: string } {
  const mapShaped = (value: string) => (graph.values.get(value)?.shape.length ?? 0) >= 3;
  const layers = () => mapLayers(graph).map((n) => `'${n.name}'`).join(', ') || 'none';
  if (node !== undefined) {
    const found = graph.nodes.find((n) => n.name === node) ?? fail(`--layer: the model has no node '${node}' (its convolutional layers: ${layers()})`);
    if (!mapShaped(found.outputs[0])) fail(`--layer: node '${node}' (${found.op}) outputs ${shapeText(graph.values.get(found.outputs[0])!.shape)}, not a map [N, C, T]`);
    return { node: found, value: found.outputs[0] };
  }
  const pool = lastGlobalPool(graph);
  const producer = pool && graph.nodes.find((n) => n.outputs.includes(pool.inputs[0]));
  if (producer && mapShaped(pool.inputs[0])) return { node: producer, value: pool.inputs[0] };
  const last = mapLayers(graph).at(-1) ?? fail(`Grad-CAM needs a float32 convolutional layer; the model has none (--method shap explains any model)`);
  return { node: last, value: last.outputs[0] };
}

/**
 * A map [N, K, ...spatial] per window as K rows over its last axis (other spatial axes
 * averaged): the positions a saliency is stretched from.
 */
export function mapRows(shape: readonly number[]): { channels: number; lines: number; positions: number } {
  return { channels: shape[1], lines: sizeOf(shape.slice(2, -1)), positions: shape[shape.length - 1] };
}

/** A map over `positions` stretched to `length` samples by linear interpolation, positions at their centres (torch's interpolate without align_corners). */
export function stretch(map: ArrayLike<number>, length: number): Float64Array {
  const out = new Float64Array(length);
  const n = map.length;
  for (let t = 0; t < length; t++) {
    const at = Math.min(n - 1, Math.max(0, ((t + 0.5) * n) / length - 0.5));
    const i = Math.floor(at);
    const j = Math.min(n - 1, i + 1);
    out[t] = map[i] + (at - i) * (map[j] - map[i]);
  }
  return out;
}
