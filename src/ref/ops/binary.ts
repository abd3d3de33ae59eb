/**
 * Element-wise ops of two inputs with NumPy broadcasting. Float32 results are rounded once
 * (storing into a Float32Array rounds); int64 constants (shape arithmetic) use `integer`.
 */
import type { OpDef } from '../op.js';
import { broadcastIndexMap, broadcastShapes, inputShape } from './shapes.js';
import { sizeOf } from '../../ir/graph.js';

export function binaryOp(float: (a: number, b: number) => number, integer: (a: number, b: number) => number = float): OpDef {
  return {
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
  };
}
