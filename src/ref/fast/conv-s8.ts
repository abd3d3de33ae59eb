/**
 * ConvS8's reference for 1-D, fast: the integer sums of src/ops/conv-s8.ts (exact, so any
 * order gives the same bits; the suite checks). Weight-stationary: each nonzero code adds
 * its term to the whole range of outputs whose tap lies inside the input, from an input
 * copy with the offset already added.
 */
import type { Kernel, OpContext } from '../../ops/op.js';
import { ConvS8 } from '../../ops/conv-s8.js';
import { geometry } from '../../ops/conv-geometry.js';
import { outputStage, outputValue } from '../../ops/integer.js';

export function prepareConvS8(ctx: OpContext): Kernel {
  const { windows, window, batch, inChannels, outChannels, group } = geometry(ctx);
  if (windows.length !== 1) return ConvS8.prepare(ctx, []);
  const { kernel: K, stride, dilation, padBegin, inLength: T, outLength: To } = window;
  const stage = outputStage(ctx.node);
  const [inPerGroup, outPerGroup] = [inChannels / group, outChannels / group];
  const hasBias = ctx.inputs[2] !== undefined;
  // for tap k, the outputs [first[k], end[k]) read inside the input
  const first = Int32Array.from({ length: K }, (_, k) => Math.min(To, Math.max(0, Math.ceil((padBegin - k * dilation) / stride))));
  const end = Int32Array.from({ length: K }, (_, k) => Math.max(first[k], Math.min(To, Math.floor((T - 1 + padBegin - k * dilation) / stride) + 1)));
  const shifted = new Int32Array(inChannels * T);
  const acc = new Int32Array(To);
  return ([x, w, bias, multiplier, shift], [y]) => {
    for (let n = 0; n < batch; n++) {
      const [xn, yn] = [n * inChannels * T, n * outChannels * To];
      for (let i = 0; i < shifted.length; i++) shifted[i] = x[xn + i] + stage.inputOffset;
      for (let co = 0; co < outChannels; co++) {
        const firstChannel = Math.floor(co / outPerGroup) * inPerGroup;
        acc.fill(hasBias ? bias[co] : 0);
        for (let ci = 0; ci < inPerGroup; ci++) {
          const row = (co * inPerGroup + ci) * K;
          const channel = (firstChannel + ci) * T;
          for (let k = 0; k < K; k++) {
            const code = w[row + k];
            if (code === 0) continue;
            const base = channel + k * dilation - padBegin;
            for (let t = first[k]; t < end[k]; t++) acc[t] += code * shifted[base + t * stride];
          }
        }
        for (let t = 0; t < To; t++) y[yn + co * To + t] = outputValue(acc[t], multiplier[co], shift[co], stage);
      }
    }
  };
}
