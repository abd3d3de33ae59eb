/**
 * One definition per op: what ecgc knows of an op lives in its file under src/ops, in the
 * spirit of onnx2c's one unit per op.
 *
 *  infer     the output types and shapes;
 *  prepare   the reference semantics: a plain loop that is the definition, which the C
 *            kernels follow bit for bit (faster twins live apart, in src/ref/fast);
 *  lower     the C: which runtime kernel, with which arguments and scratch (src/codegen);
 *  layer     what it means for compression: which input is a compressible weight and how
 *            its rows lie (src/compress, src/plan, src/codegen's packed weights);
 *  stream    its part in a depth-first chain (src/codegen/stream.ts);
 *  gradient  its reverse pass, for explanations (src/explain).
 *
 * The registry (index.ts) lists the definitions; no other module names an op.
 */
import type { OpContext } from '../ir/context.js';
import type { DType, Graph, Node, TensorData, ValueInfo } from '../ir/graph.js';
import type { GradientKernel } from './gradient.js';
import type { IntegerForm } from './integer.js';
import type { LayerDef } from './layer.js';
import type { Lowering, StreamRole } from './lowering.js';

export type { OpContext };

/** The reference kernel of a node, for its fixed shapes: called once per sample with the same buffers. */
export type Kernel = (inputs: TensorData[], outputs: TensorData[]) => void;

export interface OpDef {
  /** The ONNX op type (or, for an internal op, the name ecgc's passes give it). */
  readonly op: string;
  /** Made by ecgc's passes, never read from a model file (ChannelAffine). */
  internal?: boolean;
  infer(ctx: OpContext): ValueInfo[];
  prepare(ctx: OpContext, outputs: ValueInfo[]): Kernel;
  /** The output shares the input's buffer (Reshape and friends): no kernel runs, no C either. */
  view?: boolean;
  /** Whether this node passes its input through (Identity, Dropout at inference): removed at import where the graph allows. */
  passThrough?(node: Node, graph: Graph): boolean;
  /** Computed from its input's shape alone (Shape): folded whatever the input holds. */
  shapeOnly?: boolean;
  /** For --batch 1 (src/model/passes/rebatch.ts): rewrites a fixed batch `n` that this node's constants state to 1. */
  rebatch?(node: Node, graph: Graph, n: number): void;
  /** Replaced by other nodes before inference (If with a constant condition). */
  inline?(graph: Graph, node: Node): Node[];
  /** Multiply-accumulates per sample, for `ecgc inspect`. */
  macs?(ctx: OpContext, outputs: ValueInfo[]): number;
  /** An element-wise op's scalar function (its prepare maps it over the input; src/ref/fast inlines it). */
  elementwise?(ctx: OpContext): (x: number) => number;
  /** The run-time types its C reads or writes besides float32 (bool as uint8_t, int8); other ops' C is float32 only. */
  cTypes?: readonly DType[];
  /** Computes int64 indices from run-time data (ArgMax): its integer output need not fold to a constant. */
  computesIndices?: boolean;
  /** Inputs its C kernel reads as int64_t when they are computed at run time (indices); every other run-time input is float32. */
  integerInputs?: readonly number[];
  /** The C for this node; absent: the op has no C kernel. */
  lower?(ctx: OpContext, outputs: ValueInfo[], c: Lowering): void;
  /** A weight-bearing layer: its compressible weight as rows. */
  layer?: LayerDef;
  stream?: StreamRole;
  /** How it runs on int8 activations (src/quant/integer-graph.ts); absent: in float32 there. */
  integer?: IntegerForm;
  /** An activation an int8 layer's output clamp can hold in its place: its [min, max] (Relu [0, inf)); the node then disappears. */
  integerClamp?(ctx: OpContext): [number, number];
  /** QuantizeLinear's and DequantizeLinear's part in a model quantized in ONNX (src/model/passes/absorb-quantization.ts). */
  quantization?: 'quantize' | 'dequantize';
  /**
   * A QOperator op (QLinearConv) in QDQ form, for absorb-quantization.ts: DequantizeLinear of its
   * input, its float op on a weight DequantizeLinear makes, QuantizeLinear of the result; undefined
   * where its weight, scales, zero points or bias are not constants.
   */
  dequantized?(graph: Graph, node: Node): Node[] | undefined;
  /** Its reverse pass (src/ops/gradient.ts); absent: explanations by gradients refuse a model that needs it (views need none). */
  gradient?(ctx: OpContext, outputs: ValueInfo[]): GradientKernel;
  /** As this node uses it, a global pooling of every position of a map [N, C, ...] per channel (Grad-CAM's default layer is its input, src/explain). */
  globalPool?(ctx: OpContext): 'average' | 'max' | undefined;
  /** Its output is affine in its run-time inputs, its constants fixed: CAM's head must be (src/explain/cam.ts). Views are. */
  affine?(ctx: OpContext): boolean;
  /** What the graph's output holds when this op ends the graph (probabilities, ...). */
  outputMeaning?: { probabilities: boolean; text: string };
}
