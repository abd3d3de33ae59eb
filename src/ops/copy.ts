/** Data movement in C: one strided copy (runtime-c/ecgc_copy.c) serves Transpose, Slice, Expand, Concat, Split and Tile. */
import { sizeOf } from '../ir/graph.js';
import { cKernel, ints, type Lowering } from './lowering.js';
import type { OpContext } from './op.js';
import { MAX_C_RANK, indexMap, stridesOf } from './shapes.js';

export const COPY_F32 = cKernel('ecgc_copy_f32', 'ecgc_copy.c');

/**
 * output[i] = input[offset + i . strides] for every index i of `shape`, into a contiguous output
 * (the node's first, or `output`). Above the kernel's rank, one call per index of the leading axes.
 */
export function lowerStridedCopy(ctx: OpContext, c: Lowering, offset: number, strides: number[], shape: number[], output = ctx.node.outputs[0]): void {
  const split = Math.max(0, shape.length - MAX_C_RANK);
  const [lead, inner] = [shape.slice(0, split), shape.slice(split)];
  const innerStrides = strides.slice(split);
  const id = c.id('op');
  const shape1 = inner.length ? inner : [1];
  c.declare(`static const int32_t ${id}__shape[] = ${ints(shape1)}, ${id}__src[] = ${ints(innerStrides.length ? innerStrides : [0])}, ${id}__dst[] = ${ints(stridesOf(shape1))};`);
  const starts = indexMap(lead, (index) => index.reduce((sum, v, i) => sum + v * strides[i], offset));
  const block = sizeOf(inner);
  c.step(
    [COPY_F32],
    (at) => Array.from(starts, (start, k) => `${COPY_F32.name}(${at(ctx.node.inputs[0])}, ${start}, ${id}__src, ${at(output)}, ${k * block}, ${id}__dst, ${id}__shape, ${shape1.length});`).join('\n  '),
    { output },
  );
}
