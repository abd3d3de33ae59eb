/**
 * A model quantized in ONNX runs in the integer mode with its own scales. Two steps around
 * the import's folding (src/model/load.ts):
 *
 * takeQuantization, on the graph inferred and folded but for its quantization ops
 * (isQuantizationOp):
 *  - a QOperator node (QLinearConv, QLinearMatMul) whose input the model quantized, with
 *    constant weights, scales, zero points and bias, is taken in its QDQ form
 *    (OpDef.dequantized);
 *  - a weight stored as int8 codes (DequantizeLinear of an int8 constant, or of a
 *    QuantizeLinear of a float32 one, as torch's fake-quant export writes it), symmetric, per
 *    tensor or per output channel, becomes the float32 constant DequantizeLinear makes, its
 *    codes and scales remembered;
 *  - a QuantizeLinear -> DequantizeLinear pair on a run-time value (one int8 or uint8 scale
 *    and zero point, the same in both) is removed, the value's quantization remembered (uint8
 *    as int8: q - 128, the zero point too, the same reals); a value whose pair wrote a graph
 *    output takes the output's name.
 * absorbQuantization, once the rest is folded: the integer pass (src/quant/integer-graph.ts) with those
 * quantizations and, for each layer whose weight is still the remembered constant, its codes
 * as an 8-bit layer. A node whose values all have a quantization runs on int8 (ConvS8,
 * LinearS8, AddS8, ...), any other in float32, reading a quantized value quantized, as the
 * QDQ graph does.
 *
 * The integer kernels requantize with a 32-bit fixed-point multiplier and round half away from
 * zero where ONNX's float32 arithmetic rounds half to even, so a value may differ from
 * onnxruntime's by one step of its scale (test/model/absorb-quantization.test.ts measures it).
 */
import { type Graph, type Node, type Tensor, consumersOf, replaceUses, sizeOf } from '../../ir/graph.js';
import { opContext } from '../../ir/context.js';
import { attrInt } from '../../onnx/attributes.js';
import { dtypeOf } from '../../onnx/tensor.js';
import type { IntegerLayer } from '../../ops/integer.js';
import { opDef } from '../../ops/index.js';
import { scaleIndex } from '../../ops/quantize-linear.js';
import { findWeightLayers, readRows } from '../../plan/layers.js';
import type { ActivationQuant } from '../../quant/activations.js';
import { integerGraph } from '../../quant/integer-graph.js';
import { evaluateConstants } from './infer-and-fold.js';

export interface TakenQuantization {
  /** The int8 quantization of each value a QuantizeLinear/DequantizeLinear pair stood on. */
  tensors: Map<string, ActivationQuant>;
  /** Weights stored as codes: the float32 constant (by name) and, per element, its code and scale. */
  weights: Map<string, { tensor: Tensor; codes: Float32Array; scales: Float32Array }>;
}

/** A node of a model's quantization: QuantizeLinear, DequantizeLinear or a QOperator op. */
export const isQuantizationOp = (node: Node) => opDef(node).quantization !== undefined || opDef(node).dequantized !== undefined;
export const isQuantized = (graph: Graph) => graph.nodes.some(isQuantizationOp);

/** The graph (inferred, folded but for its quantization ops) with its quantization taken out (see above). */
export function takeQuantization(graph: Graph): { graph: Graph; taken: TakenQuantization } {
  const g: Graph = { ...graph, nodes: [...graph.nodes], constants: new Map(graph.constants), values: new Map(graph.values) };
  g.nodes = dequantizeOperators(g);
  const taken: TakenQuantization = { tensors: new Map(), weights: new Map() };
  takeWeights(g, taken);
  takePairs(g, taken);
  return { graph: g, taken };
}

/** The integer graph of a model whose quantization takeQuantization took (the graph inferred and folded since). */
export function absorbQuantization(graph: Graph, taken: TakenQuantization): Graph {
  if (taken.tensors.size === 0) return graph;
  const layers = new Map<string, IntegerLayer>();
  for (const layer of findWeightLayers(graph)) {
    const stored = taken.weights.get(layer.weight);
    if (!stored || graph.constants.get(layer.weight) !== stored.tensor || layer.joined) continue;
    const rowsOf = (data: Float32Array) => readRows({ ...graph, constants: new Map([[layer.weight, { ...stored.tensor, data }]]) }, layer);
    const [codes, scales] = [rowsOf(stored.codes), rowsOf(stored.scales)];
    const rowScales = Float32Array.from({ length: layer.rows }, (_, r) => scales[r * layer.rowLength]);
    // a scale per input channel is no per-row scale: such a layer stays float32
    if (scales.some((s, i) => s !== rowScales[Math.floor(i / layer.rowLength)])) continue;
    layers.set(layer.node, { codes: Int32Array.from(codes), rows: layer.rows, scales: rowScales, bits: 8 });
  }
  const tensors = new Map([...taken.tensors].filter(([value]) => graph.values.has(value)));
  return integerGraph(graph, { tensors, layers, qdq: true });
}

const constant = (graph: Graph, name: string | undefined) => (name ? graph.constants.get(name) : undefined);
const single = (graph: Graph, name: string | undefined) => {
  const tensor = constant(graph, name);
  return tensor && sizeOf(tensor.shape) === 1 ? tensor.data[0] : undefined;
};

/** QOperator nodes in QDQ form (OpDef.dequantized), where their input is a value the model quantized. */
function dequantizeOperators(graph: Graph): Node[] {
  const quantized = new Set(graph.nodes.filter((n) => opDef(n).quantization === 'quantize').flatMap((n) => n.outputs));
  return graph.nodes.flatMap((node) => {
    const form = quantized.has(node.inputs[0]) ? opDef(node).dequantized?.(graph, node) : undefined;
    if (!form) return [node];
    quantized.add(node.outputs[0]);
    return form;
  });
}

/** Weights stored as symmetric int8 codes become float32 constants; their codes and scales are remembered. */
function takeWeights(graph: Graph, taken: TakenQuantization): void {
  const producers = new Map(graph.nodes.flatMap((node) => node.outputs.map((o) => [o, node] as const)));
  const removed = new Set<Node>();
  for (const node of graph.nodes) {
    if (opDef(node).quantization !== 'dequantize' || !node.inputs.slice(1).every((name) => !name || graph.constants.has(name))) continue;
    let codes = constant(graph, node.inputs[0]);
    const quantize = producers.get(node.inputs[0]);
    if (!codes && quantize && opDef(quantize).quantization === 'quantize' && quantize.inputs.every((name) => !name || graph.constants.has(name))) {
      [codes] = evaluateConstants(graph, quantize); // torch's fake-quant export: Q(W) then DQ
      graph.constants.set(quantize.outputs[0], codes);
      graph.values.set(quantize.outputs[0], { dtype: codes.dtype, shape: codes.shape });
    }
    const zeros = constant(graph, node.inputs[2])?.data ?? [0];
    if (codes?.dtype !== 'int8' || attrInt(node, 'block_size', 0) !== 0 || Array.from(zeros).some((z) => z !== 0)) continue;
    const [tensor] = evaluateConstants(graph, node);
    const { index } = scaleIndex(opContext(graph, node), 1);
    const scale = constant(graph, node.inputs[1])!.data;
    taken.weights.set(node.outputs[0], { tensor, codes: Float32Array.from(codes.data), scales: Float32Array.from(tensor.data, (_, i) => scale[index(i)]) });
    graph.constants.set(node.outputs[0], tensor);
    graph.values.set(node.outputs[0], { dtype: tensor.dtype, shape: tensor.shape });
    removed.add(node);
  }
  graph.nodes = graph.nodes.filter((node) => !removed.has(node));
}

/**
 * QuantizeLinear -> DequantizeLinear pairs on run-time values are removed, their quantization
 * remembered. Where the pair's DequantizeLinear writes a graph output, the value takes the
 * output's name (when the pair is all that reads it).
 */
function takePairs(graph: Graph, taken: TakenQuantization): void {
  const readers = consumersOf(graph);
  const removed = new Set<Node>();
  for (const q of graph.nodes) {
    const [value] = q.inputs;
    const quant = opDef(q).quantization === 'quantize' ? pairQuant(graph, q) : undefined;
    if (!quant || graph.constants.has(value) || taken.tensors.has(value) || graph.outputs.includes(q.outputs[0])) continue;
    const dequantizers = readers.get(q.outputs[0]) ?? [];
    const written = params(graph, q);
    const same = (dq: Node) => opDef(dq).quantization === 'dequantize' && JSON.stringify(params(graph, dq)) === JSON.stringify(written);
    if (dequantizers.length === 0 || !dequantizers.every(same)) continue;
    const output = dequantizers.map((dq) => dq.outputs[0]).find((name) => graph.outputs.includes(name));
    let quantized = value;
    if (output) {
      const producer = graph.nodes.find((node) => node.outputs.includes(value));
      if (!producer || readers.get(value)!.length > 1 || graph.outputs.includes(value) || dequantizers.length > 1) continue;
      producer.outputs = producer.outputs.map((name) => (name === value ? output : name));
      graph.values.set(output, graph.values.get(value)!);
      quantized = output;
    } else {
      for (const dq of dequantizers) replaceUses(graph, dq.outputs[0], value);
    }
    taken.tensors.set(quantized, quant);
    for (const node of [q, ...dequantizers]) removed.add(node);
  }
  graph.nodes = graph.nodes.filter((node) => !removed.has(node));
}

/** A QuantizeLinear's or DequantizeLinear's one scale and zero point (0 without one); undefined if there are several or they do not fit float32. */
function params(graph: Graph, node: Node): { scale: number; zero: number } | undefined {
  const [scale, zero] = [single(graph, node.inputs[1]), node.inputs[2] ? single(graph, node.inputs[2]) : 0];
  if (scale === undefined || zero === undefined || !(scale > 0) || Math.fround(scale) !== scale || attrInt(node, 'block_size', 0) !== 0) return undefined;
  return { scale, zero };
}

/** A QuantizeLinear's int8 or uint8 quantization, as int8's (uint8 q is q - 128); undefined for any other. */
function pairQuant(graph: Graph, q: Node): ActivationQuant | undefined {
  const p = params(graph, q);
  if (!p) return undefined;
  const code = attrInt(q, 'output_dtype', 0);
  const type = q.inputs[2] ? constant(graph, q.inputs[2])!.dtype : code === 0 ? 'uint8' : dtypeOf(code);
  if (type !== 'int8' && type !== 'uint8') return undefined;
  return { scale: p.scale, zeroPoint: type === 'uint8' ? p.zero - 128 : p.zero };
}
