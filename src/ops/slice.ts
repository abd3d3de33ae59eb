/** Slice: starts, ends, axes, steps as constant inputs (opset 10 on; before, attributes without steps), with ONNX's clamping rules. */
import { fail } from '../errors.js';
import { attrInts } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { lowerStridedCopy } from './copy.js';
import { gatherKernel } from './gather-map.js';
import { constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';
import { scatterGradient } from './gradient.js';

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const list = (i: number, what: string) => (ctx.opset < 10 ? attrInts(ctx.node, what) : ctx.inputs[i] ? Array.from(constantInput(ctx, i, what).data) : undefined);
  const starts = list(1, 'starts')!;
  const ends = list(2, 'ends')!;
  const axes = (list(3, 'axes') ?? starts.map((_, i) => i)).map((a) => normalizeAxis(ctx.node, a, shape.length));
  const steps = list(4, 'steps') ?? starts.map(() => 1);
  const start = shape.map(() => 0);
  const step = shape.map(() => 1);
  const outShape = [...shape];
  axes.forEach((axis, i) => {
    const d = shape[axis];
    const s = steps[i];
    if (s === 0) fail(`${where(ctx.node)}: a step of 0`);
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const first = s > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], -1, d - 1);
    const end = s > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
    start[axis] = first;
    step[axis] = s;
    outShape[axis] = Math.max(0, Math.ceil((end - first) / s));
  });
  return { shape, start, step, outShape };
}

export const Slice: OpDef = {
  op: 'Slice',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare: (ctx) => gatherKernel(sourceMap(ctx)),
  gradient: (ctx) => scatterGradient(sourceMap(ctx)),
  lower(ctx, _outputs, c) {
    const { shape, start, step, outShape } = geometry(ctx);
    const strides = stridesOf(shape);
    lowerStridedCopy(ctx, c, start.reduce((sum, s, i) => sum + s * strides[i], 0), step.map((s, i) => s * strides[i]), outShape);
  },
};

/** For each output element, the input element it copies. */
function sourceMap(ctx: OpContext): Int32Array {
  const { shape, start, step, outShape } = geometry(ctx);
  const strides = stridesOf(shape);
  return indexMap(outShape, (index) => index.reduce((sum, v, i) => sum + (start[i] + v * step[i]) * strides[i], 0));
}
