/**
 * Element-wise ops of two inputs with NumPy broadcasting. Float32 results are rounded once
 * (storing into a Float32Array rounds); int64 constants (shape arithmetic) use `integer`.
 * In C, one kernel for the four arithmetic ops: runtime-c/ecgc_binary.c, `cOp` its operator.
 */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { cKernel, ints } from './lowering.js';
import type { OpDef } from './op.js';
import { broadcastIndexMap, broadcastShapes, broadcastStrides, inputShape, MAX_C_RANK, where } from './shapes.js';

const BINARY_F32 = cKernel('ecgc_binary_f32', 'ecgc_binary.c');

export function binaryOp(op: string, cOp: string | undefined, float: (a: number, b: number) => number, integer: (a: number, b: number) => number = float): OpDef {
  return {
    op,
    infer(ctx) {
      const shape = broadcastShapes(ctx.node, inputShape(ctx, 0), inputShape(ctx, 1));
      return [{ dtype: ctx.inputs[0]!.dtype, shape }];
    },
    prepare(ctx, [out]) {
      const fn = out.dtype === 'float32' ? float : integer;
      const size = sizeOf(out.shape);
      const aShape = inputShape(ctx, 0);
      const bShape = inputShape(ctx, 1);
      if (sizeOf(aShape) === size && sizeOf(bShape) === size) {
        return ([a, b], [y]) => {
          for (let i = 0; i < size; i++) y[i] = fn(a[i], b[i]);
        };
      }
      if (sizeOf(aShape) === size && sizeOf(bShape) === 1) {
        return ([a, b], [y]) => {
          const s = b[0];
          for (let i = 0; i < size; i++) y[i] = fn(a[i], s);
        };
      }
      const aIndex = broadcastIndexMap(aShape, out.shape);
      const bIndex = broadcastIndexMap(bShape, out.shape);
      return ([a, b], [y]) => {
        for (let i = 0; i < size; i++) y[i] = fn(a[aIndex[i]], b[bIndex[i]]);
      };
    },
    lower: cOp
      ? (ctx, [out], c) => {
          const shape = out.shape;
          if (shape.length > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${shape.length} is above the C kernel's ${MAX_C_RANK}`);
          const [a, b] = ctx.node.inputs;
          const [aStrides, bStrides] = [0, 1].map((i) => broadcastStrides(inputShape(ctx, i), shape));
          const id = c.id('op');
          c.declare(`static const int32_t ${id}__shape[] = ${ints(shape.length ? shape : [1])}, ${id}__a[] = ${ints(aStrides.length ? aStrides : [0])}, ${id}__b[] = ${ints(bStrides.length ? bStrides : [0])};`);
          const rank = Math.max(1, shape.length);
          // In place only when the first operand has the output's shape (no broadcast along it).
          const inPlace = !ctx.constants[0] && sizeOf(inputShape(ctx, 0)) === sizeOf(shape);
          c.step([BINARY_F32], (at) => `${BINARY_F32.name}(${cOp}, ${c.operand(a, at)}, ${id}__a, ${c.operand(b, at)}, ${id}__b, ${at(ctx.node.outputs[0])}, ${id}__shape, ${rank});`, { inPlace });
        }
      : undefined,
  };
}
