/** QuantizeS8 (internal): float32 -> int8 with the attributes scale and zero_point (src/quant/activations.ts). */
import { attrFloat, attrInt } from '../onnx/attributes.js';
import { sizeOf } from '../ir/graph.js';
import { quantizer } from '../quant/activations.js';
import { cFloat } from '../util/c.js';
import { cKernel } from './lowering.js';
import type { OpDef } from './op.js';
import { inputShape } from './shapes.js';

const QUANTIZE_S8 = cKernel('ecgc_quantize_s8', 'ecgc_quantize.c');

export const quantOf = (node: Parameters<typeof attrInt>[0]) => ({ scale: attrFloat(node, 'scale', 1), zeroPoint: attrInt(node, 'zero_point', 0) });

export const QuantizeS8: OpDef = {
  op: 'QuantizeS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const q = quantizer(quantOf(ctx.node));
    return ([x], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = q(x[i]);
    };
  },
  lower(ctx, [out], c) {
    const { scale, zeroPoint } = quantOf(ctx.node);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([QUANTIZE_S8], (at) => `${QUANTIZE_S8.name}(${at(x)}, ${at(y)}, ${sizeOf(out.shape)}, ${inverse(scale)}, ${zeroPoint});`);
  },
  // opening an int8 depth-first chain: each arriving column quantized by the same function
  stream: {
    entry: (ctx) => {
      const { scale, zeroPoint } = quantOf(ctx.node);
      return { quantize: 1, input_inverse_scale: inverse(scale), input_zero_point: zeroPoint };
    },
  },
};

/** The float32 1 / scale the C multiplies by, as a C literal. */
const inverse = (scale: number) => cFloat(Math.fround(1 / scale));
