/**
 * AveragePoolS8 (internal, src/quant/integer-graph.ts): a 1-D AveragePool (dilation 1) on
 * int8 activations, the input's quantization kept, as CMSIS-NN's arm_avgpool_s8: the sum of
 * (x - zero_point) over the window's taps inside the input (a padded tap adds real 0), divided
 * by AveragePool's divisor (src/ops/average-pool.ts) with midpoints rounded away from zero,
 * plus the zero point, clamped to a folded Relu or Clip (act_min, act_max).
 */
import { averagePoolDivisors, geometry } from './average-pool.js';
import { keptQuant } from './integer.js';
import { cKernel } from './lowering.js';
import type { OpDef } from './op.js';
import { sumPool } from './window.js';

const AVGPOOL1D_S8 = cKernel('ecgc_avgpool1d_s8', 'ecgc_pool_s8.c');

/** sum / divisor, midpoints away from zero, in C's truncating integer division. */
export const roundedQuotient = (sum: number, divisor: number): number => Math.trunc((sum + (sum >= 0 ? 1 : -1) * Math.floor(divisor / 2)) / divisor);

export const AveragePoolS8: OpDef = {
  op: 'AveragePoolS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const { channels, windows } = geometry(ctx);
    const divisor = averagePoolDivisors(ctx);
    const { zero, min, max } = keptQuant(ctx.node);
    // the sums are exact: int8 terms, far below float32's 2^24
    return sumPool(windows, channels, (x) => x - zero, (sum, o) => Math.min(max, Math.max(min, roundedQuotient(sum, divisor[o]) + zero)));
  },
  lower(ctx, _outputs, c) {
    const { channels, windows } = geometry(ctx);
    const [w] = windows;
    const id = c.id('op', '_divisor');
    c.declare(`static const int32_t ${id}[] = {${Array.from(averagePoolDivisors(ctx)).join(', ')}};`);
    const { zero, min, max } = keptQuant(ctx.node);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([AVGPOOL1D_S8], (at) => `${AVGPOOL1D_S8.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.padBegin}, ${id}, ${zero}, ${min}, ${max});`);
  },
};
