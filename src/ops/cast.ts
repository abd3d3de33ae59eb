/**
 * Cast: to any numeric or bool type, as ONNX's Cast table says (formats.ts: float16, bfloat16
 * and float8 round to nearest even, float8 saturating unless saturate=0; integers truncate
 * toward zero and wrap, 4-bit ones clamp; to bool, nonzero is true). Strings are refused.
 * In C, float32 and bool at run time.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { type DType, sizeOf } from '../ir/graph.js';
import { castTo } from '../ir/formats.js';
import { dtypeOf, typeName } from '../onnx/tensor.js';
import { broadcastKernel } from './binary.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, where } from './shapes.js';

/** The C of a run-time cast between float32 and bool, by source type. */
const C_CASTS = { float32: broadcastKernel('ecgc_cast_to_bool_f32'), bool: broadcastKernel('ecgc_cast_to_f32_bool') };

function target(ctx: OpContext): DType {
  const to = attrInt(ctx.node, 'to');
  return dtypeOf(to) ?? fail(`${where(ctx.node)}: cast to ${typeName(to)} is not supported`);
}

export const Cast: OpDef = {
  op: 'Cast',
  cTypes: ['bool'],
  infer: (ctx) => [{ dtype: target(ctx), shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const convert = castTo(target(ctx), attrInt(ctx.node, 'saturate', 1) !== 0);
    return ([x], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = convert(x[i]);
    };
  },
  // At run time only float32 and bool (integers fold to constants): the same type is the same bits, in place.
  lower(ctx, [out], c) {
    const from = ctx.inputs[0]!.dtype;
    if (from === out.dtype) return c.view();
    const kernel = C_CASTS[from as keyof typeof C_CASTS];
    c.step([kernel], (at) => `${kernel.name}(${at(ctx.node.inputs[0])}, ${at(ctx.node.outputs[0])}, ${sizeOf(out.shape)});`);
  },
};
