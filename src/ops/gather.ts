/**
 * Gather along `axis`: y[o, j, i] = x[o, indices[j], i] over (outer, axis, inner), indices
 * (any shape) negative ones counting from the end. Constant indices are checked here; those
 * computed at run time (int64, e.g. by ArgMax) by the reference as it runs, while the C
 * (runtime-c/ecgc_gather.c) gives 0 for one out of range rather than read outside the input.
 */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { attrInt } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { type Lowering, cKernel } from './lowering.js';
import { inputShape, normalizeAxis, where } from './shapes.js';

const GATHER_F32 = cKernel('ecgc_gather_f32', 'ecgc_gather.c');

function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', 0), shape.length);
  const indexShape = inputShape(ctx, 1);
  const constant = ctx.constants[1];
  if (constant?.data.some((v) => v < -shape[axis] || v >= shape[axis])) fail(`${where(ctx.node)}: an index is out of range for axis ${axis} of size ${shape[axis]}`);
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisSize: shape[axis],
    count: sizeOf(indexShape),
    inner: sizeOf(shape.slice(axis + 1)),
    outShape: [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)],
  };
}

/** The element along an axis of `size` that `index` selects: a run-time index out of range stops the reference, naming the node. */
export function indexIn(ctx: OpContext, index: number, size: number): number {
  const k = index < 0 ? index + size : index;
  if (k < 0 || k >= size) fail(`${where(ctx.node)}: index ${index} is out of range for an axis of size ${size}`);
  return k;
}

/** int64 indices for a C kernel: a constant becomes a static array, a run-time value is read where it lives. */
export function indicesOperand(ctx: OpContext, c: Lowering, id: string): (at: (value: string) => string) => string {
  const constant = ctx.constants[1];
  if (!constant) return (at) => at(ctx.node.inputs[1]);
  c.declare(`static const int64_t ${id}__indices[] = {${Array.from(constant.data, (v) => String(v)).join(', ') || '0'}};`);
  return () => `${id}__indices`;
}

export const Gather: OpDef = {
  op: 'Gather',
  integerInputs: [1],
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const { outer, axisSize, count, inner } = geometry(ctx);
    return ([x, indices], [y]) => {
      let o = 0;
      for (let b = 0; b < outer; b++) {
        for (let j = 0; j < count; j++) {
          const start = (b * axisSize + indexIn(ctx, indices[j], axisSize)) * inner;
          for (let i = 0; i < inner; i++) y[o++] = x[start + i];
        }
      }
    };
  },
  gradient(ctx) {
    const { outer, axisSize, count, inner } = geometry(ctx);
    return ([, indices], _outputs, [gy], [gx]) => {
      if (!gx) return;
      let o = 0;
      for (let b = 0; b < outer; b++) {
        for (let j = 0; j < count; j++) {
          const start = (b * axisSize + indexIn(ctx, indices[j], axisSize)) * inner;
          for (let i = 0; i < inner; i++) gx[start + i] += gy[o++];
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { outer, axisSize, count, inner } = geometry(ctx);
    const indices = indicesOperand(ctx, c, c.id('op'));
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([GATHER_F32], (at) => `${GATHER_F32.name}(${c.operand(x, at)}, ${indices(at)}, ${at(y)}, ${outer}, ${axisSize}, ${count}, ${inner});`);
  },
};
