/**
 * LpPool over the spatial axes of [N, C, ...]: y = (sum of |x|^p over the window's taps
 * inside the input)^(1/p); padding adds nothing. Taps in row-major order over the kernel,
 * each add rounded: p = 1 sums fround(|x|); p = 2 sums fround(x * x), then the correctly
 * rounded square root. Other p are refused: ecgc has no general power. C: 1-D and 2-D.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText, type Node } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { inputShape, where } from './shapes.js';
import { ceilMode, kernelShape, lowerPool2d, spatialWindows, tapOffsets } from './window.js';

/** The norm's p: 1 or 2. */
function lpNorm(node: Node): 1 | 2 {
  const p = attrInt(node, 'p', 2);
  if (p !== 1 && p !== 2) fail(`${where(node)}: p = ${p} is not supported (p = 1 and p = 2 are)`);
  return p;
}

function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  const { windows, outShape } = spatialWindows(ctx.node, x, kernelShape(ctx.node), x[1], { ceilMode: ceilMode(ctx.node) });
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape, windows, p: lpNorm(ctx.node) };
}

const LPPOOL_F32 = { 1: cKernel('ecgc_lppool2d_p1_f32', 'ecgc_pool2d.c'), 2: cKernel('ecgc_lppool2d_p2_f32', 'ecgc_pool2d.c') };

export const LpPool: OpDef = {
  op: 'LpPool',
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  prepare(ctx) {
    const { channels, windows, p } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    const f = Math.fround;
    const term = p === 1 ? Math.abs : (v: number) => f(v * v);
    return ([x], [y]) => {
      for (let c = 0; c < channels; c++) {
        for (let o = 0; o < outSize; o++) {
          let sum = 0;
          for (let t = 0; t < taps; t++) {
            const at = offsets[o * taps + t];
            if (at >= 0) sum = f(sum + term(x[c * inSize + at]));
          }
          y[c * outSize + o] = p === 1 ? sum : Math.sqrt(sum);
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { channels, windows, p } = geometry(ctx);
    lowerPool2d(ctx.node, c, LPPOOL_F32[p], channels, windows);
  },
};
