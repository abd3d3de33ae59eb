/**
 * DequantizeLinear (ONNX 10-21): y = (x - x_zero_point) * x_scale, computed in float32 and
 * rounded to the scale's type, with the scale and zero point per tensor, per axis or per block
 * as QuantizeLinear's (src/ops/quantize-linear.ts). C: int8 or uint8 in, float32 out, per
 * tensor or per axis.
 */
import { sizeOf } from '../ir/graph.js';
import { castTo } from '../ir/formats.js';
import { fail } from '../errors.js';
import { cKernel } from './lowering.js';
import type { OpDef } from './op.js';
import { lowerLinearQuantization, scaleIndex } from './quantize-linear.js';
import { inputShape, where } from './shapes.js';

const DEQUANTIZE_LINEAR = { int8: cKernel('ecgc_dequantize_linear_s8', 'ecgc_quantize.c'), uint8: cKernel('ecgc_dequantize_linear_u8', 'ecgc_quantize.c') };

export const DequantizeLinear: OpDef = {
  op: 'DequantizeLinear',
  quantization: 'dequantize',
  cTypes: ['int8', 'uint8'],
  infer: (ctx) => [{ dtype: ctx.inputs[1]!.dtype, shape: inputShape(ctx, 0) }],
  prepare(ctx, [out]) {
    const { index } = scaleIndex(ctx, 1);
    const round = castTo(out.dtype);
    const f = Math.fround;
    return ([x, scale, zero], [y]) => {
      for (let i = 0; i < y.length; i++) {
        const k = index(i);
        y[i] = round(f(f(x[i] - (zero ? zero[k] : 0)) * scale[k]));
      }
    };
  },
  lower(ctx, [out], c) {
    const kernel = DEQUANTIZE_LINEAR[ctx.inputs[0]!.dtype as keyof typeof DEQUANTIZE_LINEAR];
    const { perAxis } = scaleIndex(ctx, 1);
    if (!kernel || !perAxis || out.dtype !== 'float32') fail(`${where(ctx.node)}: C dequantizes int8 or uint8 to float32 per tensor or per axis`);
    lowerLinearQuantization(ctx, c, kernel, sizeOf(out.shape), perAxis);
  },
};
