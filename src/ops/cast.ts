/**
 * Cast: float types become float32, bool stays bool, other integer types int64 (ecgc's
 * dtypes). Float to integer truncates toward zero; to bool, nonzero is true. A cast to the
 * same dtype copies.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { type DType, sizeOf } from '../ir/graph.js';
import { onnx } from '../onnx/proto.js';
import { broadcastKernel } from './binary.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, where } from './shapes.js';

const T = onnx.TensorProto.DataType;
const FLOATS = [T.FLOAT, T.DOUBLE, T.FLOAT16];
const INTEGERS = [T.INT64, T.INT32, T.INT16, T.INT8, T.UINT8, T.UINT16, T.UINT32, T.UINT64];
/** The C of a run-time cast between float32 and bool, by source type. */
const C_CASTS = { float32: broadcastKernel('ecgc_cast_to_bool_f32'), bool: broadcastKernel('ecgc_cast_to_f32_bool') };

function target(ctx: OpContext): DType {
  const to = attrInt(ctx.node, 'to');
  if (FLOATS.includes(to)) return 'float32';
  if (to === T.BOOL) return 'bool';
  if (INTEGERS.includes(to)) return 'int64';
  fail(`${where(ctx.node)}: cast to ${T[to] ?? to} is not supported`);
}

export const Cast: OpDef = {
  op: 'Cast',
  cBool: true,
  infer: (ctx) => [{ dtype: target(ctx), shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const to = target(ctx);
    return ([x], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = to === 'bool' ? +(x[i] !== 0) : to === 'int64' ? Math.trunc(x[i]) : x[i];
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
