/**
 * ConvS8's reference for 1-D, fast: the integer sums of src/ops/conv-s8.ts (exact, so any
 * order gives the same bits; the suite checks). Where float32 holds every partial sum
 * exactly, through the float32 Conv's SIMD kernel (floatSums); otherwise weight-stationary:
 * each nonzero code adds its term to the whole range of outputs whose tap lies inside the
 * input, from an input copy with the offset already added.
 */
import type { Kernel, OpContext } from '../../ops/op.js';
import { ConvS8 } from '../../ops/conv-s8.js';
import { geometry } from '../../ops/conv-geometry.js';
import { offsetClamped, outputStage } from '../../ops/integer.js';
import { channelRequantizer } from '../../quant/fixed-point.js';
import { prepareConv } from './conv.js';

export function prepareConvS8(ctx: OpContext): Kernel {
  const { windows, window, batch, inChannels, outChannels, group } = geometry(ctx);
  if (windows.length !== 1) return ConvS8.prepare(ctx, []);
  if ((inChannels / group) * window.kernel * MAX_TERM < 2 ** 24) return floatSums(ctx);
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
        const requantize = channelRequantizer(multiplier[co], shift[co]);
        for (let t = 0; t < To; t++) y[yn + co * To + t] = offsetClamped(requantize(acc[t]), stage);
      }
    }
  };
}

/** The largest |code * (x + input_offset)|: a code in [-128, 127] (any width up to 8 bits), an offset input in [-255, 255]. */
const MAX_TERM = 128 * 255;

/**
 * The same sums through the float32 Conv's fast kernel (WebAssembly SIMD): with fewer than
 * 2^24 / MAX_TERM terms an output, every product and every partial sum is an integer below
 * 2^24, which float32 holds exactly, so the float32 sums are the integer sums in any order.
 * The bias (an int32) is added after, in integers. Codes are read at every run: a search
 * writes candidates into them in place.
 */
function floatSums(ctx: OpContext): Kernel {
  const { batch, inChannels, outChannels, window } = geometry(ctx);
  const stage = outputStage(ctx.node);
  const hasBias = ctx.inputs[2] !== undefined;
  const conv = prepareConv({ ...ctx, inputs: ctx.inputs.slice(0, 2) });
  const [T, To] = [window.inLength, window.outLength];
  const xf = new Float32Array(batch * inChannels * T);
  const yf = new Float32Array(batch * outChannels * To);
  let wf: Float32Array | undefined;
  return ([x, w, bias, multiplier, shift], [y]) => {
    for (let i = 0; i < xf.length; i++) xf[i] = x[i] + stage.inputOffset;
    wf ??= new Float32Array(w.length);
    wf.set(w);
    conv([xf, wf], [yf]);
    for (let n = 0, i = 0; n < batch; n++) {
      for (let co = 0; co < outChannels; co++) {
        const b = hasBias ? bias[co] : 0;
        const requantize = channelRequantizer(multiplier[co], shift[co]);
        for (let o = 0; o < To; o++, i++) y[i] = offsetClamped(requantize(b + yf[i]), stage);
      }
    }
  };
}
