/**
 * Split along `axis` into the node's outputs: sizes from the `split` attribute (before opset
 * 13) or input, else equal parts (from opset 18, `num_outputs` parts of ceil(d / n), the last
 * smaller). In C each output is one strided copy of its slab.
 */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { lowerStridedCopy } from './copy.js';
import { constantInput, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', 0), shape.length);
  const d = shape[axis];
  const count = ctx.node.outputs.length;
  const given = ctx.opset < 13 ? attrInts(ctx.node, 'split') : ctx.inputs[1] ? Array.from(constantInput(ctx, 1, 'split').data) : undefined;
  let sizes: number[];
  if (given) {
    sizes = given;
  } else if (ctx.opset >= 18 && ctx.node.attrs.num_outputs !== undefined) {
    const parts = attrInt(ctx.node, 'num_outputs');
    if (parts !== count) fail(`${where(ctx.node)}: num_outputs ${parts} differs from its ${count} outputs`);
    const part = Math.ceil(d / parts);
    sizes = Array.from({ length: parts }, (_, k) => Math.max(0, Math.min(part, d - k * part)));
  } else {
    if (d % count !== 0) fail(`${where(ctx.node)}: axis ${axis} of size ${d} does not split into ${count} equal parts`);
    sizes = new Array<number>(count).fill(d / count);
  }
  if (sizes.length !== count || sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== d) {
    fail(`${where(ctx.node)}: split sizes [${sizes.join(', ')}] do not divide axis ${axis} of size ${d} into its ${count} outputs`);
  }
  const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
  const outShapes = sizes.map((s) => shape.map((v, i) => (i === axis ? s : v)));
  return { shape, axis, starts, outShapes };
}

export const Split: OpDef = {
  op: 'Split',
  infer: (ctx) => geometry(ctx).outShapes.map((shape) => ({ dtype: ctx.inputs[0]!.dtype, shape })),
  prepare(ctx) {
    // Each output is, for every outer index, a contiguous run of its slab.
    const { shape, axis, starts, outShapes } = geometry(ctx);
    const outer = sizeOf(shape.slice(0, axis));
    const inner = sizeOf(shape.slice(axis + 1));
    const row = shape[axis] * inner;
    return ([x], outputs) => {
      outputs.forEach((y, k) => {
        const run = outShapes[k][axis] * inner;
        for (let o = 0; o < outer; o++) y.set(x.subarray(o * row + starts[k] * inner, o * row + starts[k] * inner + run), o * run);
      });
    };
  },
  lower(ctx, _outputs, c) {
    const { shape, axis, starts, outShapes } = geometry(ctx);
    const strides = stridesOf(shape);
    ctx.node.outputs.forEach((output, k) => {
      if (output !== '' && sizeOf(outShapes[k]) > 0) lowerStridedCopy(ctx, c, starts[k] * strides[axis], strides, outShapes[k], output);
    });
  },
};
