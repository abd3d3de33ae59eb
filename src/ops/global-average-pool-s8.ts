/**
 * GlobalAveragePoolS8 (internal, src/quant/integer-graph.ts): the mean over the spatial axes
 * of int8 [N, C, ...spatial], with its own output scale: for each channel, acc = sum of
 * (x + input_offset), y = clamp(requantize(acc, multiplier, shift) + output_offset, act_min,
 * act_max), the multiplier standing for input_scale / (count * output_scale) (TFLite's
 * int8 Mean). Attributes: the output stage (integer.ts), multiplier, shift.
 */
import { attrInt } from '../onnx/attributes.js';
import { sizeOf } from '../ir/graph.js';
import { type Lowering, cKernel, designated } from './lowering.js';
import { quantizeMultiplier } from '../quant/fixed-point.js';
import { type IntegerContext, type IntegerNode, outputStage, outputStageFields, outputValue } from './integer.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape } from './shapes.js';

const GLOBAL_AVERAGE_POOL_S8 = cKernel('ecgc_global_average_pool_s8', 'ecgc_pool_s8.c');

const channelsAndCount = (shape: number[]) => [shape[0] * shape[1], sizeOf(shape.slice(2))];

export const GlobalAveragePoolS8: OpDef = {
  op: 'GlobalAveragePoolS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: inputShape(ctx, 0).map((d, i) => (i < 2 ? d : 1)) }],
  prepare(ctx) {
    const [channels, count] = channelsAndCount(inputShape(ctx, 0));
    const stage = outputStage(ctx.node);
    const [multiplier, shift] = [attrInt(ctx.node, 'multiplier'), attrInt(ctx.node, 'shift')];
    return ([x], [y]) => {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let t = 0; t < count; t++) acc += x[c * count + t] + stage.inputOffset;
        y[c] = outputValue(acc, multiplier, shift, stage);
      }
    };
  },
  lower(ctx, _outputs, c) {
    const id = declarePool(ctx, c);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([GLOBAL_AVERAGE_POOL_S8], (at) => `${GLOBAL_AVERAGE_POOL_S8.name}(&${id}, ${at(x)}, ${at(y)});`);
  },
  // closing an int8 depth-first chain: the sums kept as the columns pass, requantized at its end
  stream: { reduce: (ctx, c) => `&${declarePool(ctx, c)}` },
};

/** The node's ecgc_global_pool_s8_t (in <name>.c); returns its identifier. */
function declarePool(ctx: OpContext, c: Lowering): string {
  const [channels, count] = channelsAndCount(inputShape(ctx, 0));
  const id = c.id('op');
  const stage = outputStage(ctx.node);
  const fields = { channels, count, input_offset: stage.inputOffset, ...outputStageFields(stage), multiplier: attrInt(ctx.node, 'multiplier'), shift: attrInt(ctx.node, 'shift') };
  c.declare(`static const ecgc_global_pool_s8_t ${id} = ${designated(fields)};`);
  return id;
}

/** GlobalAveragePool's integer form: the sum requantized by s_in / (count * s_out). */
export function globalAveragePoolToS8(ic: IntegerContext): IntegerNode {
  const [, count] = channelsAndCount(inputShape(ic.ctx, 0));
  const input = ic.inputQuant(0);
  const { multiplier, shift } = quantizeMultiplier(input.scale / (count * ic.output.quant.scale));
  const attrs = { input_zero_point: input.zeroPoint, output_zero_point: ic.output.quant.zeroPoint, act_min: ic.output.actMin, act_max: ic.output.actMax, multiplier, shift };
  return { op: 'GlobalAveragePoolS8', inputs: [ic.input(0)], attrs };
}
