/** Gather along `axis` with constant indices (negative ones count from the end). */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { COPY_F32 } from './copy.js';
import { gatherKernel } from './gather-map.js';
import { ints } from './lowering.js';
import { constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';
import { sizeOf } from '../ir/graph.js';

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', 0), shape.length);
  const indices = constantInput(ctx, 1, 'indices');
  const values = Array.from(indices.data, (v) => (v < 0 ? v + shape[axis] : v));
  if (values.some((v) => v < 0 || v >= shape[axis])) fail(`${where(ctx.node)}: an index is out of range for axis ${axis} of size ${shape[axis]}`);
  const outShape = [...shape.slice(0, axis), ...indices.shape, ...shape.slice(axis + 1)];
  return { shape, axis, values, indexRank: indices.shape.length, outShape };
}

export const Gather: OpDef = {
  op: 'Gather',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const { shape, axis, values, indexRank, outShape } = geometry(ctx);
    const strides = stridesOf(shape);
    const indexStrides = stridesOf(outShape.slice(axis, axis + indexRank));
    return gatherKernel(
      indexMap(outShape, (index) => {
        let flatIndex = 0;
        for (let j = 0; j < indexRank; j++) flatIndex += index[axis + j] * indexStrides[j];
        let offset = values[flatIndex] * strides[axis];
        for (let i = 0; i < axis; i++) offset += index[i] * strides[i];
        for (let i = axis + 1; i < shape.length; i++) offset += index[i + indexRank - 1] * strides[i];
        return offset;
      }),
    );
  },
  lower(ctx, _outputs, c) {
    const { shape, axis, values } = geometry(ctx);
    // Each index copies one slice [after the axis] into its block of the output; that is
    // contiguous when the dimensions before the axis hold one element (the batch).
    if (sizeOf(shape.slice(0, axis)) !== 1) fail(`${where(ctx.node)}: Gather behind dimensions larger than 1 has no C kernel`);
    const strides = stridesOf(shape);
    const after = shape.slice(axis + 1);
    const block = sizeOf(after);
    const id = c.id('op');
    const shape1 = after.length ? after : [1];
    c.declare(`static const int32_t ${id}__shape[] = ${ints(shape1)}, ${id}__src[] = ${ints(after.length ? strides.slice(axis + 1) : [0])}, ${id}__dst[] = ${ints(stridesOf(shape1))};`);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([COPY_F32], (at) => values.map((v, j) => `${COPY_F32.name}(${at(x)}, ${v * strides[axis]}, ${id}__src, ${at(y)}, ${j * block}, ${id}__dst, ${id}__shape, ${shape1.length});`).join('\n  '));
  },
};
