/**
 * MaxPool over the spatial axes of [N, C, ...]: the maximum over the window's taps inside
 * the input (padding never wins). Taps are scanned in row-major order over the kernel and a
 * later tap replaces the running maximum only when strictly greater. C: 1-D and 2-D.
 */
import { fail } from '../errors.js';
import { shapeText } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { inputShape, where } from './shapes.js';
import { ceilMode, kernelShape, lowerPool2d, spatialWindows, tapOffsets } from './window.js';

export function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') fail(`${where(ctx.node)}: the Indices output is not supported`);
  const { windows, outShape } = spatialWindows(ctx.node, x, kernelShape(ctx.node), x[1], { ceilMode: ceilMode(ctx.node) });
  if (windows.some((w) => w.padBegin >= w.kernel || w.padEnd >= w.kernel)) fail(`${where(ctx.node)}: pads must be smaller than the kernel`);
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape, windows };
}

const MAXPOOL1D_F32 = cKernel('ecgc_maxpool1d_f32', 'ecgc_pool1d.c');
const MAXPOOL2D_F32 = cKernel('ecgc_maxpool2d_f32', 'ecgc_pool2d.c');

export const MaxPool: OpDef = {
  op: 'MaxPool',
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  prepare(ctx) {
    const { channels, windows } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    return ([x], [y]) => {
      for (let c = 0; c < channels; c++) {
        for (let o = 0; o < outSize; o++) {
          let max = -Infinity;
          for (let t = 0; t < taps; t++) {
            const at = offsets[o * taps + t];
            if (at >= 0 && x[c * inSize + at] > max) max = x[c * inSize + at];
          }
          y[c * outSize + o] = max;
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { channels, windows } = geometry(ctx);
    if (windows.length !== 1) return lowerPool2d(ctx.node, c, MAXPOOL2D_F32, channels, windows);
    const [w] = windows;
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([MAXPOOL1D_F32], (at) => `${MAXPOOL1D_F32.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.dilation}, ${w.padBegin});`);
  },
};
