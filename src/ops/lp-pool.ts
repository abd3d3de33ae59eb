/**
 * LpPool over the spatial axes of [N, C, ...]: y = (sum of |x|^p over the window's taps
 * inside the input)^(1/p); padding adds nothing. Taps in row-major order over the kernel,
 * each add rounded; powers as src/ops/approx.ts powF32: p = 1 sums fround(|x|), p = 2 sums
 * fround(x * x) then takes the correctly rounded square root, other p go through exp and
 * log for the root (and for the terms above p = 8). C: 1-D and 2-D.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText, type Node } from '../ir/graph.js';
import { cFloat } from '../util/c.js';
import { powF32 } from './approx.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { inputShape, where } from './shapes.js';
import { ceilMode, kernelShape, lowerPool2d, spatialWindows, sumPool } from './window.js';

function lpNorm(node: Node): number {
  const p = attrInt(node, 'p', 2);
  if (p < 1) fail(`${where(node)}: p = ${p} is not supported (p must be at least 1)`);
  return p;
}

function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  const { windows, outShape } = spatialWindows(ctx.node, x, kernelShape(ctx.node), x[1], { ceilMode: ceilMode(ctx.node) });
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape, windows, p: lpNorm(ctx.node) };
}

// p = 1 and 2 keep their own kernels (no powF32 call per tap)
const LPPOOL_F32 = cKernel('ecgc_lppool2d_f32', 'ecgc_pool2d.c');
const LPPOOL_SMALL_P_F32: Record<number, typeof LPPOOL_F32> = { 1: cKernel('ecgc_lppool2d_p1_f32', 'ecgc_pool2d.c'), 2: cKernel('ecgc_lppool2d_p2_f32', 'ecgc_pool2d.c') };

export const LpPool: OpDef = {
  op: 'LpPool',
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  prepare(ctx) {
    const { channels, windows, p } = geometry(ctx);
    // 1 / p rounded to float32, as the C computes it; powF32(sum, 1) = sum and powF32(sum, 0.5) = sqrt(sum)
    const root = Math.fround(1 / p);
    return sumPool(windows, channels, (x) => powF32(Math.abs(x), p), (sum) => powF32(sum, root));
  },
  lower(ctx, _outputs, c) {
    const { channels, windows, p } = geometry(ctx);
    const small = LPPOOL_SMALL_P_F32[p];
    if (small) lowerPool2d(ctx.node, c, small, channels, windows);
    else lowerPool2d(ctx.node, c, LPPOOL_F32, channels, windows, { p: cFloat(p) });
  },
};
