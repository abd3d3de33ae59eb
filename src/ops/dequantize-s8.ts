/** DequantizeS8 (internal): int8 -> float32, fround((q - zero_point) * scale). */
import { sizeOf } from '../ir/graph.js';
import { dequantizer } from '../quant/activations.js';
import { cFloat } from '../util/c.js';
import { cKernel } from './lowering.js';
import type { OpDef } from './op.js';
import { quantOf } from './quantize-s8.js';
import { inputShape } from './shapes.js';

const DEQUANTIZE_S8 = cKernel('ecgc_dequantize_s8', 'ecgc_quantize.c');

export const DequantizeS8: OpDef = {
  op: 'DequantizeS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'float32', shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const d = dequantizer(quantOf(ctx.node));
    return ([x], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = d(x[i]);
    };
  },
  lower(ctx, [out], c) {
    const { scale, zeroPoint } = quantOf(ctx.node);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([DEQUANTIZE_S8], (at) => `${DEQUANTIZE_S8.name}(${at(x)}, ${at(y)}, ${sizeOf(out.shape)}, ${cFloat(Math.fround(scale))}, ${zeroPoint});`);
  },
};
