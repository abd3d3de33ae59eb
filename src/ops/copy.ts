/** Data movement in C: one strided copy (runtime-c/ecgc_copy.c) serves Transpose, Slice, Expand, Concat, Split and Tile. */
import { fail } from '../errors.js';
import { cKernel, ints, type Lowering } from './lowering.js';
import type { OpContext } from './op.js';
import { MAX_C_RANK, stridesOf, where } from './shapes.js';

export const COPY_F32 = cKernel('ecgc_copy_f32', 'ecgc_copy.c');

/** output[i] = input[offset + i . strides] for every index i of `shape`, into a contiguous output (the node's first, or `output`). */
export function lowerStridedCopy(ctx: OpContext, c: Lowering, offset: number, strides: number[], shape: number[], output = ctx.node.outputs[0]): void {
  if (shape.length > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${shape.length} is above the C kernel's ${MAX_C_RANK}`);
  const id = c.id('op');
  const shape1 = shape.length ? shape : [1];
  c.declare(`static const int32_t ${id}__shape[] = ${ints(shape1)}, ${id}__src[] = ${ints(strides.length ? strides : [0])}, ${id}__dst[] = ${ints(stridesOf(shape1))};`);
  c.step([COPY_F32], (at) => `${COPY_F32.name}(${at(ctx.node.inputs[0])}, ${offset}, ${id}__src, ${at(output)}, 0, ${id}__dst, ${id}__shape, ${shape1.length});`, { output });
}
