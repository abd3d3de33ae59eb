/**
 * The contract between an op's definition and the C backend: an op's `lower` says which
 * runtime kernels a node calls and with what; src/codegen/lower.ts implements `Lowering`
 * (identifiers, constants, packed weights, where each value lives) and plans the memory.
 */
import type { OpContext } from '../ir/context.js';

/** A runtime-c function and the runtime files a firmware needs to link it. */
export interface CKernel {
  readonly name: string;
  readonly files: readonly string[];
}

export const cKernel = (name: string, ...files: string[]): CKernel => ({ name, files });

/** Where a value lives in the generated C: an expression of type float *. */
export type At = (value: string) => string;
/** A step's statements, given where values live and the scratch pointer (NULL without scratch). */
export type StepCode = (at: At, scratch: string) => string;

export interface Scratch {
  bytes: number;
  /** The kernel's own *_get_buffer_size call, which the suite checks gives `bytes`. */
  check: string;
}

export interface StepOptions {
  /** The output may take the first run-time input's buffer when this is its last use. */
  inPlace?: boolean;
  scratch?: Scratch;
  /** The node output the step writes (the first by default): a node of several outputs (Split) takes a step per output. */
  output?: string;
  /** The values one step writes, when several (LSTM's Y, Y_h, Y_c: those the graph reads). */
  outputs?: string[];
}

/** A weight-bearing layer's weights as the C backend emits them (float32, or packed as the plan says). */
export interface LayerWeights {
  /** Initializer of an ecgc_weights_t. */
  init: string;
  /** Rows are decoded into scratch (packed codes or sparse float32), not read in place. */
  packed: boolean;
  sparse: boolean;
}

export interface Lowering {
  /** A C identifier for this node's declarations, `<model>__<node><suffix>`, unique in the model. */
  id(kind: 'op' | 'layer', suffix?: string): string;
  declare(text: string): void;
  /** A constant input as a static const float array in <name>.c (declared once). */
  constant(name: string): string;
  /** Where a kernel reads `name`: its run-time buffer, or its constant array. */
  operand(name: string, at: At): string;
  /** One schedule step calling `kernels`. */
  step(kernels: readonly CKernel[], code: StepCode, options?: StepOptions): void;
  /** The output is the input's buffer: no code. */
  view(): void;
  /** The node's weight through its layer view (src/ops/layer.ts): float32 or packed, as the plan says; arrays named `<id>__*`. */
  weights(id: string): LayerWeights;
  /** An integer layer's weight codes (its constant int8 input 1; attributes bits and encoding) packed as src/pack encodes them; arrays named `<id>__*`. */
  codes(id: string): LayerWeights;
  /** An integer table of a layer (int32 biases and multipliers, int8 shifts) as the array `<id>__<suffix>` with the weights. */
  table(id: string, suffix: string, type: 'int32_t' | 'int8_t', values: ArrayLike<number>): string;
  /** The float32 bias of input `index` (one value per output) as the array `<id>__bias`, or NULL without one. */
  bias(id: string, index: number, count: number): string;
}

/** A Conv's part in a depth-first chain: its layer struct, and what the chain's scratch needs of it. */
export interface StreamStage {
  id: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  dilation: number;
  stride: number;
  rowLength: number;
  packed: boolean;
  sparse: boolean;
  /** An int8 stage's (ConvS8): values a row of its time-major input holds, and its span scratch (ecgc_conv1d_s8_width, ecgc_conv1d_s8_span_get_buffer_size). */
  s8?: { width: number; spanBytes: number };
}

/** An op's part in a depth-first chain (src/codegen/stream.ts). A chain is float32 or int8 throughout, as its stages' input. */
export type StreamRole =
  /** A stage: the chain runs its window one output column (a block of them) at a time. */
  | { stage: { accepts(ctx: OpContext): boolean; declare(ctx: OpContext, c: Lowering): StreamStage } }
  /** Applied to each output column of a float32 stage: an ecgc_stream_post_t initializer; `accepts` (all by default): which nodes can. */
  | { post: { kernels: readonly CKernel[]; init(ctx: OpContext, c: Lowering): string; accepts?(ctx: OpContext): boolean } }
  /** Opens an int8 chain by quantizing each arriving column of its float32 input: the ecgc_stream_s8_t fields that say how. */
  | { entry(ctx: OpContext): Record<string, string | number> }
  /** Closes the chain with a reduction over time: the value of the chain struct's field for it (float32: an ECGC_STREAM_* constant; int8: `mean`, a pointer to the pool's struct). */
  | { reduce(ctx: OpContext, c: Lowering): string };

/** A pointer expression `elements` further on (itself for 0). */
export const offset = (pointer: string, elements: number): string => (elements === 0 ? pointer : `${pointer} + ${elements}`);

/** A C array initializer of integers. */
export const ints = (values: readonly number[]): string => `{${values.join(', ')}}`;

/** A C99 designated initializer: fields by name, so no TypeScript repeats ecgc.h's field order. */
export function designated(fields: Record<string, string | number>): string {
  return `{${Object.entries(fields).map(([field, value]) => `.${field} = ${value}`).join(', ')}}`;
}

/**
 * The scratch of a kernel that decodes weights row by row (runtime-c's *_get_buffer_size):
 * float32 rows are read in place; a dense packed row is decoded into one row of floats; a
 * sparse row needs `sparseRows` rows (values, positions and, for conv1d, offsets and taps).
 */
export function rowScratchBytes(weights: LayerWeights, rowLength: number, sparseRows: number): number {
  if (weights.sparse) return sparseRows * rowLength * 4;
  return weights.packed ? rowLength * 4 : 0;
}
