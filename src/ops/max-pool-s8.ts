/**
 * MaxPoolS8 (internal, src/quant/integer-graph.ts): MaxPool on int8 activations. Quantization
 * is monotone, so the maximum of the int8 values is the int8 of the maximum: the output keeps
 * the input's scale and zero point, and only the clamp of a folded Relu or Clip (act_min,
 * act_max) is applied. A window with no tap inside the input gives the zero point (real 0,
 * as ecgc_maxpool1d_f32). C: 1-D (a 2-D MaxPool stays in float32).
 */
import { keptQuant } from './integer.js';
import { cKernel } from './lowering.js';
import { geometry } from './max-pool.js';
import type { OpDef } from './op.js';
import { tapOffsets } from './window.js';

const MAXPOOL1D_S8 = cKernel('ecgc_maxpool1d_s8', 'ecgc_pool_s8.c');

export const MaxPoolS8: OpDef = {
  op: 'MaxPoolS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const { channels, windows } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    const { zero, min, max } = keptQuant(ctx.node);
    return ([x], [y]) => {
      for (let c = 0; c < channels; c++) {
        for (let o = 0; o < outSize; o++) {
          let m = -Infinity;
          for (let t = 0; t < taps; t++) {
            const at = offsets[o * taps + t];
            if (at >= 0 && x[c * inSize + at] > m) m = x[c * inSize + at];
          }
          y[c * outSize + o] = Math.min(max, Math.max(min, m === -Infinity ? zero : m));
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { channels, windows } = geometry(ctx);
    const [w] = windows;
    const { zero, min, max } = keptQuant(ctx.node);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([MAXPOOL1D_S8], (at) => `${MAXPOOL1D_S8.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.dilation}, ${w.padBegin}, ${zero}, ${min}, ${max});`);
  },
};
