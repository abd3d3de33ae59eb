/** Gather along `axis` with constant indices (negative ones count from the end). */
import { fail } from '../../errors.js';
import { attrInt } from '../../onnx/attributes.js';
import type { OpContext, OpDef } from '../op.js';
import { gatherKernel } from './gather-map.js';
import { constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

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
};
