/**
 * MulS8 (internal, src/quant/integer-graph.ts): a * b of two int8 tensors with NumPy
 * broadcasting and their own scales, as TFLite's int8 Mul (CMSIS-NN's
 * arm_elementwise_mul_s8): y = clamp(requantize((a - a_zero_point) * (b - b_zero_point),
 * multiplier, shift) + output_zero_point, act_min, act_max), multiplier and shift standing for
 * s_a * s_b / s_out. Squeeze-and-excitation gates and x * sigmoid(x) stay on int8.
 */
import { attrInt } from '../onnx/attributes.js';
import type { Node } from '../ir/graph.js';
import { quantizeMultiplier, requantize } from '../quant/fixed-point.js';
import { broadcastKernel, lowerBinary, prepareBinary } from './binary.js';
import type { IntegerContext, IntegerNode } from './integer.js';
import { designated } from './lowering.js';
import type { OpDef } from './op.js';
import { broadcastShapes, inputShape } from './shapes.js';

const MUL_S8 = broadcastKernel('ecgc_mul_s8');
const FIELDS = ['a_zero_point', 'b_zero_point', 'output_zero_point', 'multiplier', 'shift', 'act_min', 'act_max'] as const;

function parameters(node: Node): Record<(typeof FIELDS)[number], number> {
  return Object.fromEntries(FIELDS.map((field) => [field, attrInt(node, field)])) as Record<(typeof FIELDS)[number], number>;
}

export const MulS8: OpDef = {
  op: 'MulS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: broadcastShapes(ctx.node, inputShape(ctx, 0), inputShape(ctx, 1)) }],
  prepare(ctx, [out]) {
    const p = parameters(ctx.node);
    return prepareBinary(ctx, out.shape, (a, b) => Math.min(p.act_max, Math.max(p.act_min, requantize((a - p.a_zero_point) * (b - p.b_zero_point), p.multiplier, p.shift) + p.output_zero_point)));
  },
  lower(ctx, [out], c) {
    const { a_zero_point, b_zero_point, output_zero_point, ...rest } = parameters(ctx.node);
    const id = c.id('op', '_mul');
    c.declare(`static const ecgc_mul_s8_t ${id} = ${designated({ a_offset: -a_zero_point, b_offset: -b_zero_point, output_offset: output_zero_point, ...rest })};`);
    lowerBinary(ctx, out.shape, c, MUL_S8, `&${id}, `);
  },
};

/** Mul's integer form, for two run-time inputs (broadcast as ONNX does). */
export function mulToS8(ic: IntegerContext): IntegerNode | undefined {
  if (ic.ctx.constants[0] || ic.ctx.constants[1] || !ic.ctx.inputs[0] || !ic.ctx.inputs[1]) return undefined;
  const [qa, qb, out] = [ic.inputQuant(0), ic.inputQuant(1), ic.output.quant];
  const { multiplier, shift } = quantizeMultiplier((qa.scale * qb.scale) / out.scale);
  return {
    op: 'MulS8',
    inputs: [ic.input(0), ic.input(1)],
    attrs: { a_zero_point: qa.zeroPoint, b_zero_point: qb.zeroPoint, output_zero_point: out.zeroPoint, multiplier, shift, act_min: ic.output.actMin, act_max: ic.output.actMax },
  };
}
