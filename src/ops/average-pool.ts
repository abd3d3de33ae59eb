/**
 * AveragePool over the spatial axes of [N, C, ...]: the sum of the taps inside the input in
 * row-major order over the kernel (each add rounded), then one division. The divisor counts
 * the taps inside the input, or with count_include_pad the window clipped to the padded
 * input (as torch does with ceil_mode), axis by axis. A dilated window with count_include_pad
 * counts every tap of the kernel, also past the padding in ceil_mode (as ONNX's reference and
 * onnxruntime do; torch has no dilated average pool). C: 1-D and 2-D.
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText } from '../ir/graph.js';
import { type IntegerContext, type IntegerNode, keptQuantAttributes } from './integer.js';
import type { OpContext, OpDef } from './op.js';
import { cFloat } from '../util/c.js';
import { cKernel } from './lowering.js';
import { inputShape, where } from './shapes.js';
import { type Window1d, ceilMode, kernelShape, lowerPool2d, spatialWindows, sumPool, sumPoolGradient } from './window.js';

export function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  const { windows, outShape } = spatialWindows(ctx.node, x, kernelShape(ctx.node), x[1], { ceilMode: ceilMode(ctx.node) });
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape, windows };
}

/** Along one axis, each output position's divisor factor (see the header). */
function axisCounts(ctx: OpContext, w: Window1d, dilated: boolean): number[] {
  const includePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  return Array.from({ length: w.outLength }, (_, t) => {
    const start = t * w.stride - w.padBegin;
    let count = 0;
    for (let k = 0; k < w.kernel; k++) {
      const at = start + k * w.dilation;
      if (includePad ? dilated || at < w.inLength + w.padEnd : at >= 0 && at < w.inLength) count++;
    }
    if (count <= 0) fail(`${where(ctx.node)}: output ${t} has a window with no input in it`);
    return count;
  });
}

/** Each output position's divisor: the product of its axes' counts, row-major over the output. */
export function averagePoolDivisors(ctx: OpContext): Float32Array {
  const { windows } = geometry(ctx);
  const dilated = windows.some((w) => w.dilation > 1);
  const counts = windows.map((w) => axisCounts(ctx, w, dilated));
  return Float32Array.from(counts.reduce<number[]>((products, axis) => products.flatMap((p) => axis.map((count) => p * count)), [1]));
}

const AVGPOOL1D_F32 = cKernel('ecgc_avgpool1d_f32', 'ecgc_pool1d.c');
const AVGPOOL2D_F32 = cKernel('ecgc_avgpool2d_f32', 'ecgc_pool2d.c');

export const AveragePool: OpDef = {
  op: 'AveragePool',
  integer: { lower: averagePoolToS8, keepsQuant: true },
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  prepare(ctx) {
    const { channels, windows } = geometry(ctx);
    const divisor = averagePoolDivisors(ctx);
    return sumPool(windows, channels, (x) => x, (sum, o) => sum / divisor[o]);
  },
  gradient(ctx) {
    const { channels, windows } = geometry(ctx);
    const divisor = averagePoolDivisors(ctx);
    return sumPoolGradient(windows, channels, (o) => 1 / divisor[o]);
  },
  lower(ctx, _outputs, c) {
    const { channels, windows } = geometry(ctx);
    const id = c.id('op', '_divisor');
    c.declare(`static const float ${id}[] = {${Array.from(averagePoolDivisors(ctx), cFloat).join(', ')}};`);
    // the 1-D kernel has no dilations: the 2-D one takes that case as a single row
    if (windows.length !== 1 || windows[0].dilation !== 1) return lowerPool2d(ctx.node, c, AVGPOOL2D_F32, channels, windows, { divisor: id });
    const [w] = windows;
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([AVGPOOL1D_F32], (at) => `${AVGPOOL1D_F32.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.padBegin}, ${id});`);
  },
};

const POOL_ATTRIBUTES = ['kernel_shape', 'strides', 'pads', 'auto_pad', 'ceil_mode', 'count_include_pad'];

/** AveragePool's integer form (1-D, no dilation): an AveragePoolS8 (src/ops/average-pool-s8.ts), the input's quantization kept. */
export function averagePoolToS8(ic: IntegerContext): IntegerNode | undefined {
  const { windows } = geometry(ic.ctx);
  if (windows.length !== 1 || windows[0].dilation !== 1) return undefined;
  const attrs = Object.fromEntries(Object.entries(ic.ctx.node.attrs).filter(([name]) => POOL_ATTRIBUTES.includes(name)));
  return { op: 'AveragePoolS8', inputs: [ic.input(0)], attrs: { ...attrs, ...keptQuantAttributes(ic) } };
}
