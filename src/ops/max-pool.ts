/**
 * MaxPool, 1-D: the maximum over the window's taps inside the input (padding never wins).
 * Taps are scanned in ascending order and a later tap replaces the running maximum only
 * when strictly greater.
 */
import { fail } from '../errors.js';
import { shapeText } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { inputShape, where } from './shapes.js';
import { ceilMode, kernelShape, window1d } from './window.js';

export function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length !== 3) fail(`${where(ctx.node)}: only 1-D pooling is supported (input [N, C, T]); the input is ${shapeText(x)}`);
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') fail(`${where(ctx.node)}: the Indices output is not supported`);
  const window = window1d(ctx.node, x[2], kernelShape(ctx.node), { ceilMode: ceilMode(ctx.node) });
  if (window.padBegin >= window.kernel || window.padEnd >= window.kernel) fail(`${where(ctx.node)}: pads must be smaller than the kernel`);
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape: [x[0], x[1], window.outLength], window };
}

const MAXPOOL1D_F32 = cKernel('ecgc_maxpool1d_f32', 'ecgc_pool1d.c');

export const MaxPool: OpDef = {
  op: 'MaxPool',
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  prepare(ctx) {
    const { channels, window } = geometry(ctx);
    const { kernel: K, stride, dilation, padBegin, inLength: T, outLength: To } = window;
    return ([x], [y]) => {
      for (let c = 0; c < channels; c++) {
        for (let t = 0; t < To; t++) {
          const start = t * stride - padBegin;
          let max = -Infinity;
          for (let k = 0; k < K; k++) {
            const i = start + k * dilation;
            if (i >= 0 && i < T && x[c * T + i] > max) max = x[c * T + i];
          }
          y[c * To + t] = max;
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { channels, window: w } = geometry(ctx);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([MAXPOOL1D_F32], (at) => `${MAXPOOL1D_F32.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.dilation}, ${w.padBegin});`);
  },
};
