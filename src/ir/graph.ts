/**
 * The graph IR: a single-sample dataflow graph in topological order.
 *
 * The batch dimension of the model's input is fixed to 1 here: ecgc compiles single-sample
 * inference (the C API takes one window), and the interpreter maps the graph over a batch.
 * Every value has a data type (DTYPES): its typed array in the interpreter, its C type and
 * size in the arena. Run-time tensors are float32, but for int64 indices an op computes
 * (ArgMax, ArgMin) for Gather and GatherElements; other integer tensors (shapes, indices)
 * exist only as constants and are folded away before execution.
 */
export type DType = 'float32' | 'int64';

/** int64 values are held as exact doubles (shapes and indices are far below 2^53). */
export type TensorData = Float32Array | Float64Array;

export interface DTypeInfo {
  /** Bytes an element takes in the arena. */
  bytes: number;
  /** The element type of C pointers to it. */
  c: string;
  /** The typed array the interpreter holds it in. */
  array: Float32ArrayConstructor | Float64ArrayConstructor;
}

export const DTYPES: Record<DType, DTypeInfo> = {
  float32: { bytes: 4, c: 'float', array: Float32Array },
  int64: { bytes: 8, c: 'int64_t', array: Float64Array },
};

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export interface ValueInfo {
  dtype: DType;
  shape: number[];
}

/** A subgraph attribute (If branches): nodes in order, their outputs, their own constants. */
export interface Subgraph {
  nodes: Node[];
  outputs: string[];
  constants: Map<string, Tensor>;
}

export type AttrValue = number | string | number[] | string[] | Tensor | Subgraph;

export interface Node {
  name: string;
  op: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  opset: number;
  inputs: string[];
  outputs: string[];
  nodes: Node[];
  constants: Map<string, Tensor>;
  /** Type and shape of every value (inputs, node outputs, constants). */
  values: Map<string, ValueInfo>;
  metadata: Record<string, string>;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Nodes reading each value, for passes that rewrite producer/consumer pairs. */
export function consumersOf(graph: Graph): Map<string, Node[]> {
  const consumers = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input === '') continue;
      const list = consumers.get(input);
      if (list) list.push(node);
      else consumers.set(input, [node]);
    }
  }
  return consumers;
}

/** Renames every use of `from` to `to` (in node inputs and graph outputs). */
export function replaceUses(graph: Graph, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map((name) => (name === from ? to : name));
  }
  graph.outputs = graph.outputs.map((name) => (name === from ? to : name));
}
