/** Shape helpers shared by the ops: axes, strides, broadcasting, index maps. */
import { fail } from '../errors.js';
import { type Node, type Tensor, shapeText, sizeOf } from '../ir/graph.js';
import type { OpContext } from './op.js';

export function where(node: Node): string {
  return `node '${node.name}' (${node.op})`;
}

export function normalizeAxis(node: Node, axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) fail(`${where(node)}: axis ${axis} is out of range for rank ${rank}`);
  return normalized;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** NumPy-style broadcasting of two shapes. */
export function broadcastShapes(node: Node, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`${where(node)}: shapes ${shapeText(a)} and ${shapeText(b)} cannot be broadcast together`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** For each element of `outShape` (row-major), the flat offset of the element of `inShape` it reads under broadcasting. */
/** Strides of `shape` read as `outShape` under broadcasting (0 along broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  return outShape.map((_, i) => {
    const axis = i - (outShape.length - shape.length);
    return axis < 0 || shape[axis] === 1 ? 0 : strides[axis];
  });
}

export function broadcastIndexMap(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const strides = broadcastStrides(inShape, outShape);
  return indexMap(outShape, (index) => {
    let offset = 0;
    for (let i = 0; i < outShape.length; i++) offset += index[i] * strides[i];
    return offset;
  });
}

/** The highest rank runtime-c's strided kernels take (ecgc_binary_f32, ecgc_copy_f32, ecgc_pad_f32). */
export const MAX_C_RANK = 6;

/**
 * Precomputes, for each output element in row-major order, the input offset `source`
 * gives for its multi-index (-1 for "no source", e.g. padding). Data-movement kernels
 * then run as one gather loop.
 */
export function indexMap(outShape: readonly number[], source: (index: number[]) => number): Int32Array {
  const size = sizeOf(outShape);
  const map = new Int32Array(size);
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    map[flat] = source(index);
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < outShape[axis]) break;
      index[axis] = 0;
    }
  }
  return map;
}

/** The constant data of input `i`, or an error naming the node when it is not constant. */
export function constantInput(ctx: OpContext, i: number, what: string): Tensor {
  const tensor = ctx.constants[i];
  if (!tensor) fail(`${where(ctx.node)}: ${what} (input ${i}) must be a constant; ecgc cannot compute it at run time`);
  return tensor;
}

export function inputShape(ctx: OpContext, i: number): number[] {
  const info = ctx.inputs[i];
  if (!info) fail(`${where(ctx.node)}: input ${i} is required`);
  return info.shape;
}

export function requireRank(ctx: OpContext, i: number, ranks: number[], what: string): number[] {
  const shape = inputShape(ctx, i);
  if (!ranks.includes(shape.length)) fail(`${where(ctx.node)}: ${what} must have rank ${ranks.join(' or ')}, got ${shapeText(shape)}`);
  return shape;
}
