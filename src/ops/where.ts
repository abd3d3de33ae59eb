/** Where: condition ? x : y element by element, the three broadcast together (NumPy rules). */
import { fail } from '../errors.js';
import { broadcastKernel, declareStrides } from './binary.js';
import type { OpContext, OpDef } from './op.js';
import { broadcastIndexMap, broadcastShapes, inputShape, where } from './shapes.js';

const WHERE_F32 = broadcastKernel('ecgc_where_f32');

function outShape(ctx: OpContext): number[] {
  if (ctx.inputs[0]?.dtype !== 'bool') fail(`${where(ctx.node)}: the condition must be bool, it is ${ctx.inputs[0]?.dtype}`);
  if (ctx.inputs[1]?.dtype !== ctx.inputs[2]?.dtype) fail(`${where(ctx.node)}: x and y must have one type, they are ${ctx.inputs[1]?.dtype} and ${ctx.inputs[2]?.dtype}`);
  return broadcastShapes(ctx.node, inputShape(ctx, 0), broadcastShapes(ctx.node, inputShape(ctx, 1), inputShape(ctx, 2)));
}

export const Where: OpDef = {
  op: 'Where',
  cTypes: ['bool'],
  infer: (ctx) => [{ dtype: ctx.inputs[1]!.dtype, shape: outShape(ctx) }],
  prepare(ctx, [out]) {
    const [condition, x, y] = [0, 1, 2].map((i) => broadcastIndexMap(inputShape(ctx, i), out.shape));
    return ([c, a, b], [result]) => {
      for (let i = 0; i < result.length; i++) result[i] = c[condition[i]] ? a[x[i]] : b[y[i]];
    };
  },
  lower(ctx, [out], c) {
    if (out.dtype !== 'float32') fail(`${where(ctx.node)}: choosing between ${out.dtype} tensors has no C kernel (float32 has)`);
    const declared = declareStrides(ctx, c, out.shape, [0, 1, 2].map((i) => inputShape(ctx, i)));
    c.step([WHERE_F32], (at) => {
      const operands = ctx.node.inputs.map((name, i) => `${c.operand(name, at)}, ${declared.strides[i]}`);
      return `${WHERE_F32.name}(${operands.join(', ')}, ${at(ctx.node.outputs[0])}, ${declared.shape}, ${declared.rank});`;
    });
  },
};
