/**
 * The integer mode as a pass, IR -> IR: a float graph (its layer weights as the plan deploys
 * them), the plan's quantized layers and every float32 value's int8 quantization become a
 * graph on int8 activations. Each node whose op has an integer form (OpDef.integer) becomes
 * its int8 twin (ConvS8, LinearS8, AddS8, TableS8, ...), with a following Relu or Clip folded
 * into its output clamp (OpDef.integerClamp) when it is the output's only reader; an op whose
 * form keeps its input's quantization (max and average pooling) gives its output the input's
 * scale and zero point instead of the calibrated ones; views pass int8
 * values through; every other node runs in float32 between DequantizeS8 and QuantizeS8,
 * inserted where a value changes type. The graph's outputs are float32 (dequantized).
 *
 * The reference interpreter and the C backend run the result as any graph, so the device's
 * integer arithmetic is what `ecgc run`/`eval` compute.
 */
import { fail } from '../errors.js';
import { opContext } from '../ir/context.js';
import { type Graph, type Node, consumersOf, sizeOf } from '../ir/graph.js';
import { opDef } from '../ops/index.js';
import type { IntegerContext, IntegerLayer } from '../ops/integer.js';
import type { WeightLayer } from '../plan/layers.js';
import { type ActivationQuant, INT8_MAX, INT8_MIN, quantized } from './activations.js';

export interface IntegerPlan {
  /** The int8 quantization of float32 values (calibrated): every value an int8 node reads or writes needs one. */
  tensors: Map<string, ActivationQuant>;
  /** The layers the plan quantized to 1..8 bits, by node name. */
  layers: Map<string, IntegerLayer>;
  /**
   * A model's own quantization (its QuantizeLinear/DequantizeLinear pairs,
   * src/model/passes/absorb-quantization.ts): a node with a value that has no quantization runs
   * in float32, and every reader of a value that has one reads it quantized.
   */
  qdq?: boolean;
}

export function integerGraph(graph: Graph, plan: IntegerPlan): Graph {
  return lowerToIntegers(graph, plan).graph;
}

/**
 * The integer graph and, for each float32 value it holds as int8, that twin's name and
 * quantization: how the device's values are read back as the float graph names them (src/explain).
 */
export function integerGraphWithTwins(graph: Graph, plan: IntegerPlan): { graph: Graph; twins: Map<string, { value: string; quant: ActivationQuant }> } {
  const { graph: lowered, int8, tensors } = lowerToIntegers(graph, plan);
  return { graph: lowered, twins: new Map([...int8].map(([value, twin]) => [value, { value: twin, quant: tensors.get(value)! }])) };
}

/**
 * The float32 values the integer graph holds as int8 (written by an int8 node, or quantized
 * for one to read), with their quantization: what training through activation fake-quant
 * rounds (src/compress/finetune.py).
 */
export function int8Values(graph: Graph, plan: IntegerPlan): Map<string, ActivationQuant> {
  const { int8, tensors } = lowerToIntegers(graph, plan);
  return new Map([...int8.keys()].map((value) => [value, tensors.get(value)!]));
}

function lowerToIntegers(graph: Graph, plan: IntegerPlan): { graph: Graph; int8: Map<string, string>; tensors: Map<string, ActivationQuant> } {
  const out: Graph = { ...graph, nodes: [], constants: new Map(graph.constants), values: new Map(graph.values) };
  const consumers = consumersOf(graph);
  const tensors = new Map(plan.tensors);
  const quantOf = (value: string): ActivationQuant => tensors.get(value) ?? fail(`the plan's int8 activations have no quantization for '${value}' (calibrate again: ecgc compress --activations int8)`);
  /** The int8 twin of each value that has one. */
  const int8 = new Map<string, string>();
  /** Values present in float32. */
  const float = new Set<string>([...graph.inputs, ...graph.constants.keys()]);
  const folded = new Set<Node>();
  const fresh = (name: string) => {
    let unique = name;
    for (let i = 2; out.values.has(unique) || out.constants.has(unique); i++) unique = `${name}${i}`;
    return unique;
  };

  const toInt8 = (value: string): string => {
    let q = int8.get(value);
    if (q) return q;
    q = fresh(`${value}__s8`);
    const { scale, zeroPoint } = quantOf(value);
    out.nodes.push({ name: fresh(`${value}__quantize`), op: 'QuantizeS8', inputs: [value], outputs: [q], attrs: { scale, zero_point: zeroPoint } });
    out.values.set(q, { dtype: 'int8', shape: [...out.values.get(value)!.shape] });
    int8.set(value, q);
    return q;
  };
  /** Values an int8 node wrote (the others in `int8` are quantized float32 values). */
  const int8Written = new Set<string>();
  /** The quantized float32 value of a float32 value with a quantization (qdq). */
  const roundTrips = new Map<string, string>();
  const toFloat = (value: string): string => {
    if (plan.qdq && tensors.has(value) && !int8Written.has(value)) {
      let quantized = roundTrips.get(value);
      if (!quantized) {
        quantized = fresh(`${value}__quantized`);
        const { scale, zeroPoint } = quantOf(value);
        out.nodes.push({ name: fresh(`${value}__dequantize`), op: 'DequantizeS8', inputs: [toInt8(value)], outputs: [quantized], attrs: { scale, zero_point: zeroPoint } });
        out.values.set(quantized, { ...out.values.get(value)! });
        roundTrips.set(value, quantized);
      }
      return quantized;
    }
    if (float.has(value)) return value;
    const { scale, zeroPoint } = quantOf(value);
    out.nodes.push({ name: fresh(`${value}__dequantize`), op: 'DequantizeS8', inputs: [int8.get(value)!], outputs: [value], attrs: { scale, zero_point: zeroPoint } });
    float.add(value);
    return value;
  };
  /** Adds an int8 node writing the int8 twin of `value`; its shape is checked by the op's own inference. */
  const emit = (node: Node, value: string) => {
    const q = fresh(`${value}__s8`);
    const emitted = { ...node, outputs: [q] };
    const [info] = opDef(emitted).infer(opContext(out, emitted));
    const expected = graph.values.get(value)!.shape;
    if (info.dtype !== 'int8' || sizeOf(info.shape) !== sizeOf(expected)) fail(`internal: ${node.name} (${node.op}) gives ${info.dtype} [${info.shape}] for '${value}' [${expected}]`);
    out.values.set(q, { dtype: 'int8', shape: info.shape });
    out.nodes.push(emitted);
    int8.set(value, q);
    int8Written.add(value);
  };

  for (const node of graph.nodes) {
    if (folded.has(node)) continue;
    const def = opDef(node);
    const runtimeInputs = node.inputs.filter((name) => name !== '' && !graph.constants.has(name));
    if (def.view && runtimeInputs.length === 1 && int8.has(node.inputs[0]) && !float.has(node.inputs[0])) {
      // the same values under another shape: the same quantization
      tensors.set(node.outputs[0], quantOf(node.inputs[0]));
      emit({ ...node, inputs: node.inputs.map((name, i) => (i === 0 ? int8.get(name)! : name)) }, node.outputs[0]);
      continue;
    }
    const integer = def.integer && node.outputs.length === 1 ? integerNode(node) : undefined;
    if (integer) continue;
    out.nodes.push({ ...node, inputs: node.inputs.map((name) => (name === '' || graph.constants.has(name) ? name : toFloat(name))) });
    for (const name of node.outputs) float.add(name);
  }
  out.outputs = graph.outputs.map((name) => {
    const read = toFloat(name);
    if (read !== name) {
      // a float32 output read quantized (qdq): the quantized value takes the output's name
      const raw = fresh(`${name}__float`);
      renameValue(out, name, raw);
      renameValue(out, read, name);
    }
    return name;
  });
  return { graph: out, int8, tensors };

  /** Emits the node's int8 twin, if its op's integer form gives one; whether it did. */
  function integerNode(node: Node): boolean {
    const ctx = opContext(graph, node);
    const [value] = node.outputs;
    const readers = consumers.get(value) ?? [];
    const clamp = readers.length === 1 && !graph.outputs.includes(value) ? readers[0] : undefined;
    const bounds = clamp && opDef(clamp).integerClamp?.(opContext(graph, clamp));
    const written = bounds ? clamp!.outputs[0] : value;
    const form = opDef(node).integer!;
    if (form.takesLayer && !form.takesLayer(ctx)) return false;
    const runtimeInputs = node.inputs.filter((name) => name !== '' && !graph.constants.has(name));
    if (plan.qdq && ![...runtimeInputs, ...(form.keepsQuant ? [] : [written])].every((name) => tensors.has(name))) return false;
    const quant = form.keepsQuant ? quantOf(node.inputs[0]) : quantOf(written);
    const output = {
      quant,
      actMin: bounds && bounds[0] > -Infinity ? Math.max(INT8_MIN, quantized(quant, bounds[0])) : INT8_MIN,
      actMax: bounds && bounds[1] < Infinity ? Math.min(INT8_MAX, quantized(quant, bounds[1])) : INT8_MAX,
    };
    const added: string[] = [];
    const ic: IntegerContext = {
      ctx,
      input: (i) => toInt8(node.inputs[i]),
      inputQuant: (i) => quantOf(node.inputs[i]),
      output,
      layer: () => plan.layers.get(node.name),
      constant(suffix, dtype, shape, values) {
        const name = fresh(`${node.name}__${suffix}`);
        out.constants.set(name, { dtype, shape, data: Float64Array.from(values) });
        out.values.set(name, { dtype, shape });
        added.push(name);
        return name;
      },
    };
    const lowered = form.lower(ic);
    if (!lowered) {
      for (const name of added) [out.constants, out.values].forEach((map) => map.delete(name));
      return false;
    }
    if (form.keepsQuant) for (const name of [value, written]) tensors.set(name, quant);
    emit({ name: node.name, op: lowered.op, inputs: lowered.inputs, outputs: [], attrs: lowered.attrs }, written);
    if (bounds) folded.add(clamp!);
    return true;
  }
}

/** Whether the integer mode runs a weight layer on int8 (its op's integer form takes it), so a plan stores it as the integer kernels do; else it stays float32. */
export function layerRunsOnInt8(graph: Graph, layer: WeightLayer): boolean {
  const node = graph.nodes[layer.nodeIndex];
  return !layer.joined && (opDef(node).integer?.takesLayer?.(opContext(graph, node)) ?? false);
}

/** Whether some of the graph runs on int8 activations (an int8 plan applied, or a model quantized in ONNX). */
export function isIntegerGraph(graph: Graph): boolean {
  return graph.nodes.some((node) => opDef(node).internal && node.outputs.some((name) => graph.values.get(name)?.dtype === 'int8'));
}

/** `from` renamed `to` where it is written and read (values' types kept). */
function renameValue(graph: Graph, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.outputs = node.outputs.map((name) => (name === from ? to : name));
    node.inputs = node.inputs.map((name) => (name === from ? to : name));
  }
  graph.values.set(to, graph.values.get(from)!);
  graph.values.delete(from);
}
