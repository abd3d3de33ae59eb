/**
 * AddS8 (internal, src/quant/integer-graph.ts): a + b of two int8 tensors of the same shape
 * and their own scales, as CMSIS-NN's arm_elementwise_add_s8 (TFLite's parameters): each
 * input (q + offset) * 2^20 is requantized by its multiplier and shift, the two are added,
 * and the sum is requantized to the output, offset and clamped. Attributes: a_zero_point,
 * b_zero_point, output_zero_point, a_multiplier, a_shift, b_multiplier, b_shift,
 * output_multiplier, output_shift, act_min, act_max.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { type Node, shapeText, sizeOf } from '../ir/graph.js';
import { quantizeMultiplier, requantize } from '../quant/fixed-point.js';
import type { IntegerContext, IntegerNode } from './integer.js';
import { cKernel, designated } from './lowering.js';
import type { OpDef } from './op.js';
import { inputShape, where } from './shapes.js';

const ADD_S8 = cKernel('ecgc_add_s8', 'ecgc_add_s8.c');
/** The inputs' headroom before their requantization (TFLite's left_shift for int8 Add). */
export const ADD_LEFT_SHIFT = 20;

const FIELDS = ['a_zero_point', 'b_zero_point', 'output_zero_point', 'a_multiplier', 'a_shift', 'b_multiplier', 'b_shift', 'output_multiplier', 'output_shift', 'act_min', 'act_max'] as const;

function parameters(node: Node): Record<(typeof FIELDS)[number], number> {
  return Object.fromEntries(FIELDS.map((field) => [field, attrInt(node, field)])) as Record<(typeof FIELDS)[number], number>;
}

export const AddS8: OpDef = {
  op: 'AddS8',
  internal: true,
  cTypes: ['int8'],
  infer(ctx) {
    const [a, b] = [inputShape(ctx, 0), inputShape(ctx, 1)];
    if (shapeText(a) !== shapeText(b)) fail(`${where(ctx.node)}: int8 Add needs inputs of one shape, got ${shapeText(a)} and ${shapeText(b)}`);
    return [{ dtype: 'int8', shape: a }];
  },
  prepare(ctx) {
    const p = parameters(ctx.node);
    const headroom = 2 ** ADD_LEFT_SHIFT;
    return ([a, b], [y]) => {
      for (let i = 0; i < y.length; i++) {
        const sum = requantize((a[i] - p.a_zero_point) * headroom, p.a_multiplier, p.a_shift) + requantize((b[i] - p.b_zero_point) * headroom, p.b_multiplier, p.b_shift);
        y[i] = Math.min(p.act_max, Math.max(p.act_min, requantize(sum, p.output_multiplier, p.output_shift) + p.output_zero_point));
      }
    };
  },
  lower(ctx, [out], c) {
    const p = parameters(ctx.node);
    const id = c.id('op');
    const { a_zero_point, b_zero_point, output_zero_point, ...requantization } = p;
    c.declare(`static const ecgc_add_s8_t ${id} = ${designated({ a_offset: -a_zero_point, b_offset: -b_zero_point, output_offset: output_zero_point, ...requantization })};`);
    const [a, b, y] = [ctx.node.inputs[0], ctx.node.inputs[1], ctx.node.outputs[0]];
    c.step([ADD_S8], (at) => `${ADD_S8.name}(&${id}, ${c.operand(a, at)}, ${c.operand(b, at)}, ${at(y)}, ${sizeOf(out.shape)});`, { inPlace: true });
  },
};

/** Add's integer form, for two run-time inputs of one shape: TFLite's parameters for int8 Add. */
export function addToS8(ic: IntegerContext): IntegerNode | undefined {
  const [a, b] = ic.ctx.inputs;
  if (ic.ctx.constants[0] || ic.ctx.constants[1] || !a || !b || shapeText(a.shape) !== shapeText(b.shape)) return undefined;
  const [qa, qb, out] = [ic.inputQuant(0), ic.inputQuant(1), ic.output.quant];
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const [ma, mb, mo] = [quantizeMultiplier(qa.scale / twiceMax), quantizeMultiplier(qb.scale / twiceMax), quantizeMultiplier(twiceMax / (2 ** ADD_LEFT_SHIFT * out.scale))];
  return {
    op: 'AddS8',
    inputs: [ic.input(0), ic.input(1)],
    attrs: {
      a_zero_point: qa.zeroPoint, b_zero_point: qb.zeroPoint, output_zero_point: out.zeroPoint,
      a_multiplier: ma.multiplier, a_shift: ma.shift, b_multiplier: mb.multiplier, b_shift: mb.shift, output_multiplier: mo.multiplier, output_shift: mo.shift,
      act_min: ic.output.actMin, act_max: ic.output.actMax,
    },
  };
}
