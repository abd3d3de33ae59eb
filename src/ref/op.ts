/**
 * What every op provides, in the spirit of onnx2c's three steps: read the attributes,
 * resolve the output shapes (`infer`), and build a kernel for those fixed shapes
 * (`prepare`). The kernel is a closure with all index arithmetic precomputed, called once
 * per sample with the same buffers.
 */
import type { Node, Tensor, TensorData, ValueInfo } from '../ir/graph.js';

export interface OpContext {
  node: Node;
  opset: number;
  /** Type and shape of each input; undefined for an omitted optional input. */
  inputs: (ValueInfo | undefined)[];
  /** The data of each input that is a constant. */
  constants: (Tensor | undefined)[];
}

export type Kernel = (inputs: TensorData[], outputs: TensorData[]) => void;

export interface OpDef {
  infer(ctx: OpContext): ValueInfo[];
  prepare(ctx: OpContext, outputs: ValueInfo[]): Kernel;
  /** The output shares the input's buffer (Reshape and friends): no kernel runs. */
  view?: boolean;
  /** Multiply-accumulates per sample, for `ecgc inspect`. */
  macs?(ctx: OpContext, outputs: ValueInfo[]): number;
}
