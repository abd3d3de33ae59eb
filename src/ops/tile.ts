/** Tile: the input repeated `repeats[d]` times along each axis d (repeats a constant input). */
import { fail } from '../errors.js';
import type { OpContext, OpDef } from './op.js';
import { lowerStridedCopy } from './copy.js';
import { gatherKernel } from './gather-map.js';
import { constantInput, indexMap, inputShape, stridesOf, where } from './shapes.js';
import { scatterGradient } from './gradient.js';

function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const repeats = Array.from(constantInput(ctx, 1, 'repeats').data);
  if (repeats.length !== shape.length || repeats.some((r) => r < 0)) fail(`${where(ctx.node)}: repeats [${repeats.join(', ')}] must be ${shape.length} non-negative counts, one per axis`);
  return { shape, repeats, outShape: shape.map((d, i) => d * repeats[i]) };
}

export const Tile: OpDef = {
  op: 'Tile',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare: (ctx) => gatherKernel(sourceMap(ctx)),
  gradient: (ctx) => scatterGradient(sourceMap(ctx)),
  lower(ctx, _outputs, c) {
    // Output axis d read as (repeat, d): the repeat with stride 0, then the input's own axis;
    // axes of one element add nothing and are left out.
    const { shape, repeats } = geometry(ctx);
    const strides = stridesOf(shape);
    const axes = shape.flatMap((d, i) => [
      { size: repeats[i], stride: 0 },
      { size: d, stride: strides[i] },
    ]).filter((a) => a.size !== 1);
    lowerStridedCopy(ctx, c, 0, axes.map((a) => a.stride), axes.map((a) => a.size));
  },
};

/** For each output element, the input element it copies. */
function sourceMap(ctx: OpContext): Int32Array {
  const { shape, outShape } = geometry(ctx);
  const strides = stridesOf(shape);
  return indexMap(outShape, (index) => index.reduce((sum, v, i) => sum + (v % shape[i]) * strides[i], 0));
}
