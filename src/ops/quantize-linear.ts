/**
 * QuantizeLinear (ONNX 10-21): y = saturate(round(x / y_scale) + y_zero_point), rounding half
 * to even, for integer outputs; y = cast(x / y_scale + y_zero_point) for float8 outputs
 * (saturating unless saturate=0). The scale and zero point are one per tensor, one per index
 * along `axis`, or (block_size > 0) one per block of block_size indices along it. The output
 * type is the zero point's, else output_dtype's, else uint8. A QDQ model (torch's or
 * onnxruntime's quantization export) runs as its Q/DQ nodes say. C: float32 in, int8 or uint8
 * out, per tensor or per axis (src/ops/dequantize-linear.ts is its inverse).
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { type DType, shapeText, sizeOf } from '../ir/graph.js';
import { INTEGER_FORMATS, castTo, roundHalfEven } from '../ir/formats.js';
import { dtypeOf, typeName } from '../onnx/tensor.js';
import { cFloat } from '../util/c.js';
import { type CKernel, type Lowering, cKernel, designated } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, normalizeAxis, where } from './shapes.js';

/**
 * For each element of x, the index of its scale (and zero point): 0 per tensor; its index along
 * `axis` per axis; per block, the scale tensor's element whose `axis` index is the block's.
 */
export function scaleIndex(ctx: OpContext, scaleInput: number): { index: (i: number) => number; perAxis?: { inner: number; channels: number } } {
  const x = inputShape(ctx, 0);
  const scale = inputShape(ctx, scaleInput);
  const block = attrInt(ctx.node, 'block_size', 0);
  if (sizeOf(scale) === 1 && block === 0) return { index: () => 0, perAxis: { inner: sizeOf(x), channels: 1 } };
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', 1), x.length);
  const inner = sizeOf(x.slice(axis + 1));
  if (block === 0) {
    if (scale.length !== 1 || scale[0] !== x[axis]) fail(`${where(ctx.node)}: a per-axis scale must be 1-D of ${x[axis]} values (axis ${axis} of ${shapeText(x)}); it is ${shapeText(scale)}`);
    return { index: (i) => Math.floor(i / inner) % x[axis], perAxis: { inner, channels: x[axis] } };
  }
  const blocks = Math.ceil(x[axis] / block);
  if (scale.length !== x.length || scale.some((d, k) => d !== (k === axis ? blocks : x[k]))) {
    fail(`${where(ctx.node)}: a blocked scale (block_size ${block} on axis ${axis} of ${shapeText(x)}) must be ${shapeText(x.map((d, k) => (k === axis ? blocks : d)))}; it is ${shapeText(scale)}`);
  }
  return {
    index(i) {
      const [o, a, r] = [Math.floor(i / (x[axis] * inner)), Math.floor(i / inner) % x[axis], i % inner];
      return (o * blocks + Math.floor(a / block)) * inner + r;
    },
  };
}

function outputType(ctx: OpContext): DType {
  if (ctx.inputs[2]) return ctx.inputs[2].dtype;
  const code = attrInt(ctx.node, 'output_dtype', 0);
  return code === 0 ? 'uint8' : (dtypeOf(code) ?? fail(`${where(ctx.node)}: output_dtype ${typeName(code)} is not supported`));
}

const QUANTIZE_LINEAR = { int8: cKernel('ecgc_quantize_linear_s8', 'ecgc_quantize.c'), uint8: cKernel('ecgc_quantize_linear_u8', 'ecgc_quantize.c') };

export const QuantizeLinear: OpDef = {
  op: 'QuantizeLinear',
  quantization: 'quantize',
  cTypes: ['int8', 'uint8'],
  infer(ctx) {
    const type = outputType(ctx);
    if (!(type in INTEGER_FORMATS) && !type.startsWith('float8')) fail(`${where(ctx.node)}: QuantizeLinear to ${type} is not defined`);
    return [{ dtype: type, shape: inputShape(ctx, 0) }];
  },
  prepare(ctx, [out]) {
    const { index } = scaleIndex(ctx, 1);
    const type = out.dtype;
    const f = Math.fround;
    if (type in INTEGER_FORMATS) {
      const { min, max } = INTEGER_FORMATS[type as keyof typeof INTEGER_FORMATS];
      return ([x, scale, zero], [y]) => {
        for (let i = 0; i < y.length; i++) {
          const k = index(i);
          const q = roundHalfEven(f(x[i] / scale[k])) + (zero ? zero[k] : 0);
          y[i] = Number.isNaN(q) ? 0 : Math.min(max, Math.max(min, q));
        }
      };
    }
    const cast = castTo(type, attrInt(ctx.node, 'saturate', 1) !== 0);
    return ([x, scale, zero], [y]) => {
      for (let i = 0; i < y.length; i++) {
        const k = index(i);
        y[i] = cast(f(x[i] / scale[k]) + (zero ? zero[k] : 0));
      }
    };
  },
  lower(ctx, [out], c) {
    const kernel = QUANTIZE_LINEAR[out.dtype as keyof typeof QUANTIZE_LINEAR];
    const { perAxis } = scaleIndex(ctx, 1);
    if (!kernel || !perAxis || ctx.inputs[0]!.dtype !== 'float32' || ctx.inputs[1]!.dtype !== 'float32') fail(`${where(ctx.node)}: C quantizes float32 to int8 or uint8 per tensor or per axis`);
    lowerLinearQuantization(ctx, c, kernel, sizeOf(out.shape), perAxis);
  },
};

/** The C call of QuantizeLinear or DequantizeLinear: its scales and zero points as constant arrays (run-time ones refused). */
export function lowerLinearQuantization(ctx: OpContext, c: Lowering, kernel: CKernel, n: number, perAxis: { inner: number; channels: number }): void {
  if (!ctx.constants[1] || (ctx.inputs[2] && !ctx.constants[2])) fail(`${where(ctx.node)}: C takes constant scales and zero points`);
  const id = c.id('op');
  const zeros = ctx.constants[2]?.data ?? new Float64Array(perAxis.channels);
  c.declare(`static const float ${id}__scale[] = {${Array.from(ctx.constants[1].data, cFloat).join(', ')}};`);
  c.declare(`static const int32_t ${id}__zero_point[] = {${Array.from(zeros, (v) => String(v)).join(', ')}};`);
  c.declare(`static const ecgc_linear_quantization_t ${id} = ${designated({ n, inner: perAxis.inner, channels: perAxis.channels, scale: `${id}__scale`, zero_point: `${id}__zero_point` })};`);
  const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
  c.step([kernel], (at) => `${kernel.name}(&${id}, ${at(x)}, ${at(y)});`);
}
