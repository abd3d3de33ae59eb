/**
 * Cast: float types become float32, integer and bool types int64 (ecgc's two dtypes).
 * Float to integer truncates toward zero. A float-to-float cast copies.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import type { DType } from '../ir/graph.js';
import { onnx } from '../onnx/proto.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, where } from './shapes.js';

const T = onnx.TensorProto.DataType;
const FLOATS = [T.FLOAT, T.DOUBLE, T.FLOAT16];
const INTEGERS = [T.INT64, T.INT32, T.INT16, T.INT8, T.UINT8, T.UINT16, T.UINT32, T.UINT64, T.BOOL];

function target(ctx: OpContext): DType {
  const to = attrInt(ctx.node, 'to');
  if (FLOATS.includes(to)) return 'float32';
  if (INTEGERS.includes(to)) return 'int64';
  fail(`${where(ctx.node)}: cast to ${T[to] ?? to} is not supported`);
}

export const Cast: OpDef = {
  op: 'Cast',
  infer: (ctx) => [{ dtype: target(ctx), shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const toInteger = target(ctx) === 'int64';
    const toBool = attrInt(ctx.node, 'to') === T.BOOL;
    return ([x], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = toBool ? +(x[i] !== 0) : toInteger ? Math.trunc(x[i]) : x[i];
    };
  },
  // At run time only float to float32 (integers fold to constants): the same bits, in place.
  lower: (_ctx, _outputs, c) => c.view(),
};
