/** Concat along `axis`: for each outer index, each input's block in input order. */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText, sizeOf } from '../ir/graph.js';
import { quantizeMultiplier } from '../quant/fixed-point.js';
import type { OpContext, OpDef } from './op.js';
import { COPY_F32 } from './copy.js';
import type { IntegerContext, IntegerNode } from './integer.js';
import { normalizeAxis, where } from './shapes.js';

export function geometry(ctx: OpContext) {
  const shapes = ctx.inputs.map((info, i) => info?.shape ?? fail(`${where(ctx.node)}: input ${i} is missing`));
  const rank = shapes[0].length;
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis'), rank);
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== shapes[0][i])) fail(`${where(ctx.node)}: cannot concatenate ${shapes.map(shapeText).join(' and ')} on axis ${axis}`);
  }
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((sum, s) => sum + s[axis], 0);
  const blocks = shapes.map((s) => sizeOf(s.slice(axis)));
  return { outShape, outer: sizeOf(shapes[0].slice(0, axis)), blocks };
}

export const Concat: OpDef = {
  op: 'Concat',
  integer: { lower: concatToS8 },
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const { outer, blocks } = geometry(ctx);
    return (inputs, [y]) => {
      let o = 0;
      for (let i = 0; i < outer; i++) {
        for (let k = 0; k < inputs.length; k++) {
          const x = inputs[k];
          const block = blocks[k];
          for (let j = 0, s = i * block; j < block; j++) y[o++] = x[s + j];
        }
      }
    };
  },
  affine: () => true,
  gradient(ctx) {
    const { outer, blocks } = geometry(ctx);
    return (_inputs, _outputs, [gy], grads) => {
      let o = 0;
      for (let i = 0; i < outer; i++) {
        grads.forEach((gx, k) => {
          if (gx) for (let j = 0, s = i * blocks[k]; j < blocks[k]; j++) gx[s + j] += gy[o + j];
          o += blocks[k];
        });
      }
    };
  },
  lower(ctx, _outputs, c) {
    // Input k is an [outer, block_k] matrix copied into columns [offset_k, offset_k + block_k) of the output.
    const { outer, blocks } = geometry(ctx);
    const outBlock = blocks.reduce((a, b) => a + b, 0);
    const id = c.id('op');
    c.declare(`static const int32_t ${id}__dst[] = {${outBlock}, 1};`);
    let offset = 0;
    const parts = ctx.node.inputs.map((name, k) => {
      const part = { name, offset, block: blocks[k] };
      offset += blocks[k];
      c.declare(`static const int32_t ${id}__shape_${part.offset}[] = {${outer}, ${part.block}}, ${id}__src_${part.offset}[] = {${part.block}, 1};`);
      return part;
    });
    const y = ctx.node.outputs[0];
    c.step([COPY_F32], (at) => parts.map((p) => `${COPY_F32.name}(${c.operand(p.name, at)}, 0, ${id}__src_${p.offset}, ${at(y)}, ${p.offset}, ${id}__dst, ${id}__shape_${p.offset}, 2);`).join('\n  '));
  },
};

/** Concat's integer form, for run-time inputs: a ConcatS8 (src/ops/concat-s8.ts), each input requantized to the output's calibration. */
export function concatToS8(ic: IntegerContext): IntegerNode | undefined {
  if (ic.ctx.constants.some((t) => t) || ic.ctx.inputs.some((info) => info?.dtype !== 'float32')) return undefined;
  const quants = ic.ctx.inputs.map((_, k) => ic.inputQuant(k));
  const factors = quants.map((q) => quantizeMultiplier(q.scale / ic.output.quant.scale));
  return {
    op: 'ConcatS8',
    inputs: ic.ctx.inputs.map((_, k) => ic.input(k)),
    attrs: {
      axis: attrInt(ic.ctx.node, 'axis'),
      zero_points: quants.map((q) => q.zeroPoint),
      multipliers: factors.map((f) => f.multiplier),
      shifts: factors.map((f) => f.shift),
      output_zero_point: ic.output.quant.zeroPoint,
      act_min: ic.output.actMin,
      act_max: ic.output.actMax,
    },
  };
}
