/**
 * Max, Min, Sum and Mean of 1..n inputs broadcast together (NumPy rules): acc = the first
 * input, then acc = fround(fold(acc, x)) for each later input in order; Mean then divides by
 * n. In C, one strided call per input after the first, into the output (Sum and Mean through
 * ecgc_binary_f32's ECGC_ADD, then ECGC_DIV), so each element sees the same operations.
 */
import { fail } from '../errors.js';
import { isFloat } from '../ir/graph.js';
import { cFloat } from '../util/c.js';
import { BINARY_F32, declareStrides } from './binary.js';
import type { CKernel } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { broadcastIndexMap, broadcastShapes, inputShape, where } from './shapes.js';

function outShape(ctx: OpContext): number[] {
  if (ctx.node.inputs.length === 0) fail(`${where(ctx.node)}: at least one input is required`);
  return ctx.node.inputs.reduce((shape, _, i) => broadcastShapes(ctx.node, shape, inputShape(ctx, i)), [] as number[]);
}

export interface Fold {
  fn: (acc: number, x: number) => number;
  /** The call folding one more input into the output: a strided two-operand kernel, and its leading arguments. */
  c: { kernel: CKernel; leading: string };
  mean?: boolean;
}

export function variadicOp(op: string, fold: Fold): OpDef {
  return {
    op,
    infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: outShape(ctx) }],
    prepare(ctx, [out]) {
      const maps = ctx.node.inputs.map((_, i) => broadcastIndexMap(inputShape(ctx, i), out.shape));
      // floats compute in float32 (float64 in double), integers exactly
      const round = isFloat(out.dtype) && out.dtype !== 'float64' ? Math.fround : (v: number) => v;
      const n = maps.length;
      return (inputs, [y]) => {
        for (let i = 0; i < y.length; i++) {
          let acc = inputs[0][maps[0][i]];
          for (let k = 1; k < n; k++) acc = round(fold.fn(acc, inputs[k][maps[k][i]]));
          y[i] = fold.mean ? acc / n : acc;
        }
      };
    },
    lower(ctx, [out], c) {
      const inputs = ctx.node.inputs;
      if (inputs.length === 1) return c.view();
      const shapes = inputs.map((_, i) => inputShape(ctx, i));
      // operands: the inputs, the output itself (the accumulator, read from the third input on and by Mean's division), and Mean's divisor
      const accumulates = inputs.length > 2 || fold.mean;
      const declared = declareStrides(ctx, c, out.shape, [...shapes, ...(accumulates ? [out.shape] : []), ...(fold.mean ? [[]] : [])]);
      const count = fold.mean ? c.id('op', '__count') : '';
      if (fold.mean) c.declare(`static const float ${count}[] = {${cFloat(inputs.length)}};`);
      const [acc, accStrides, divisorStrides] = [ctx.node.outputs[0], declared.strides[inputs.length], declared.strides[inputs.length + 1]];
      const tail = `${declared.shape}, ${declared.rank});`;
      const kernels = fold.mean ? [fold.c.kernel, BINARY_F32] : [fold.c.kernel];
      c.step([...new Set(kernels)], (at) => {
        const call = (a: string, aStrides: string, k: number) => `${fold.c.kernel.name}(${fold.c.leading}${a}, ${aStrides}, ${c.operand(inputs[k], at)}, ${declared.strides[k]}, ${at(acc)}, ${tail}`;
        const calls = [call(c.operand(inputs[0], at), declared.strides[0], 1), ...inputs.slice(2).map((_, j) => call(at(acc), accStrides, j + 2))];
        if (fold.mean) calls.push(`${BINARY_F32.name}(ECGC_DIV, ${at(acc)}, ${accStrides}, ${count}, ${divisorStrides}, ${at(acc)}, ${tail}`);
        return calls.join('\n  ');
      });
    },
  };
}

/** Sum's and Mean's fold in C: ecgc_binary_f32's addition. */
export const ADD_FOLD = { kernel: BINARY_F32, leading: 'ECGC_ADD, ' };
