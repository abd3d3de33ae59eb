/**
 * ConcatS8 (internal, src/quant/integer-graph.ts): Concat of int8 tensors, each input
 * requantized to the output's scale and zero point on the way (an input already in the
 * output's quantization copies exactly: requantizing by 1 is the identity):
 * y = clamp(requantize(x - zero_point[k], multiplier[k], shift[k]) + output_zero_point,
 * act_min, act_max). Attributes: axis, zero_points, multipliers, shifts (one per input),
 * output_zero_point, act_min, act_max.
 */
import { attrInt, attrInts } from '../onnx/attributes.js';
import { requantize } from '../quant/fixed-point.js';
import { geometry } from './concat.js';
import { cKernel } from './lowering.js';
import type { OpContext, OpDef } from './op.js';

const CONCAT_S8 = cKernel('ecgc_concat_s8', 'ecgc_concat_s8.c');

function parameters(ctx: OpContext) {
  const node = ctx.node;
  return {
    zeroPoints: attrInts(node, 'zero_points')!,
    multipliers: attrInts(node, 'multipliers')!,
    shifts: attrInts(node, 'shifts')!,
    outputZeroPoint: attrInt(node, 'output_zero_point'),
    min: attrInt(node, 'act_min', -128),
    max: attrInt(node, 'act_max', 127),
  };
}

export const ConcatS8: OpDef = {
  op: 'ConcatS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const { outer, blocks } = geometry(ctx);
    const p = parameters(ctx);
    return (inputs, [y]) => {
      let o = 0;
      for (let i = 0; i < outer; i++) {
        for (let k = 0; k < inputs.length; k++) {
          const [x, block] = [inputs[k], blocks[k]];
          for (let j = 0, s = i * block; j < block; j++) {
            y[o++] = Math.min(p.max, Math.max(p.min, requantize(x[s + j] - p.zeroPoints[k], p.multipliers[k], p.shifts[k]) + p.outputZeroPoint));
          }
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { outer, blocks } = geometry(ctx);
    const p = parameters(ctx);
    const outBlock = blocks.reduce((a, b) => a + b, 0);
    const y = ctx.node.outputs[0];
    c.step([CONCAT_S8], (at) => {
      let offset = 0;
      return ctx.node.inputs.map((name, k) => {
        const call = `${CONCAT_S8.name}(${c.operand(name, at)}, ${at(y)} + ${offset}, ${outer}, ${blocks[k]}, ${outBlock}, ${-p.zeroPoints[k]}, ${p.multipliers[k]}, ${p.shifts[k]}, ${p.outputZeroPoint}, ${p.min}, ${p.max});`;
        offset += blocks[k];
        return call;
      }).join('\n  ');
    });
  },
};
