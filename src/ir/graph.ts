/**
 * The graph IR: a dataflow graph in topological order.
 *
 * The batch is the inputs' leading dimension, as the model states it (a symbolic batch is
 * read as 1): one run of the graph, in the interpreter and in C, takes that many windows
 * (windowsPerRun), and the interpreter runs any number of windows in runs of that many.
 * Every value has a data type (DTYPES): its typed array in the interpreter, its C type and
 * size in the arena. Run-time tensors in C are float32, bool (comparisons, masks), or int64
 * indices an op computes (ArgMax, ArgMin) for Gather and GatherElements; other integer
 * tensors (shapes, indices) fold to constants. The reference also runs ONNX's other element
 * types (ONNX's node tests have them): each is exactly a double, held in a Float32Array
 * (float16, bfloat16, float8) or a Float64Array (float64, integers); an op computes in
 * float32 (float64: in float32 precision) or with exact integers, and its result is
 * rounded to its type (formats.ts).
 */
export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16' | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz'
  | 'int64' | 'int32' | 'int16' | 'int8' | 'int4' | 'uint64' | 'uint32' | 'uint16' | 'uint8' | 'uint4'
  | 'bool';

/** Values of any type (held as exact numbers); bool as 0 or 1. */
export type TensorData = Float32Array | Float64Array | Uint8Array;

export interface DTypeInfo {
  /** Bytes an element takes in the arena. */
  bytes: number;
  /** The element type of C pointers to it (C holds only float32, bool and int64 values: codegen/lower.ts). */
  c: string;
  /** The typed array the interpreter holds it in. */
  array: Float32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor;
  /** How ops compute on it: float arithmetic, exact integers, or truth values. */
  kind: 'float' | 'integer' | 'bool';
}

const float = (bytes: number, c: string): DTypeInfo => ({ bytes, c, array: Float32Array, kind: 'float' });
const integer = (bytes: number, c: string): DTypeInfo => ({ bytes, c, array: Float64Array, kind: 'integer' });

export const DTYPES: Record<DType, DTypeInfo> = {
  float32: float(4, 'float'),
  float64: { bytes: 8, c: 'double', array: Float64Array, kind: 'float' },
  float16: float(2, 'uint16_t'),
  bfloat16: float(2, 'uint16_t'),
  float8e4m3fn: float(1, 'uint8_t'),
  float8e4m3fnuz: float(1, 'uint8_t'),
  float8e5m2: float(1, 'uint8_t'),
  float8e5m2fnuz: float(1, 'uint8_t'),
  int64: integer(8, 'int64_t'),
  int32: integer(4, 'int32_t'),
  int16: integer(2, 'int16_t'),
  int8: integer(1, 'int8_t'),
  int4: integer(1, 'int8_t'),
  uint64: integer(8, 'uint64_t'),
  uint32: integer(4, 'uint32_t'),
  uint16: integer(2, 'uint16_t'),
  uint8: integer(1, 'uint8_t'),
  uint4: integer(1, 'uint8_t'),
  bool: { bytes: 1, c: 'uint8_t', array: Uint8Array, kind: 'bool' },
};

export const isFloat = (dtype: DType): boolean => DTYPES[dtype].kind === 'float';

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

/** Windows one run of the graph takes: the leading dimension its inputs and outputs share. */
export function windowsPerRun(graph: Graph): number {
  return graph.values.get(graph.inputs[0])?.shape[0] ?? 1;
}

/** Values of one window of a batch-first value (an input or output). */
export function windowSize(graph: Graph, value: string): number {
  return sizeOf(graph.values.get(value)!.shape.slice(1));
}

/** Values of one window of every graph input together (a window is their concatenation, in the graph's order). */
export function inputWindowSize(graph: Graph): number {
  return graph.inputs.reduce((sum, value) => sum + windowSize(graph, value), 0);
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
