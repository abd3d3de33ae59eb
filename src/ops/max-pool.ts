/**
 * MaxPool over the spatial axes of [N, C, ...]: the maximum over the window's taps inside
 * the input (padding never wins). Taps are scanned in row-major order over the kernel and a
 * later tap replaces the running maximum only when strictly greater. C: 1-D and 2-D.
 * The Indices output (int64, reference only): where that maximum lies in the input flattened
 * over [N, C, ...spatial], the spatial part row-major (storage_order 0) or column-major (1).
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { type Node, shapeText, sizeOf } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { indexMap, inputShape, stridesOf, where } from './shapes.js';
import { ceilMode, kernelShape, lowerPool2d, maxPoolGradient, maxTap, spatialWindows, tapOffsets } from './window.js';
import { type IntegerContext, type IntegerNode, keptQuantAttributes } from './integer.js';

export function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  const { windows, outShape } = spatialWindows(ctx.node, x, kernelShape(ctx.node), x[1], { ceilMode: ceilMode(ctx.node) });
  if (windows.some((w) => w.padBegin >= w.kernel || w.padEnd >= w.kernel)) fail(`${where(ctx.node)}: pads must be smaller than the kernel`);
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape, windows };
}

/** For each row-major offset within a spatial plane, the offset the Indices output gives it: itself, or column-major with storage_order 1. */
function storageOffsets(node: Node, inLengths: readonly number[]): Int32Array {
  const order = attrInt(node, 'storage_order', 0);
  if (order !== 0 && order !== 1) fail(`${where(node)}: storage_order ${order} is not 0 or 1`);
  const strides = order === 0 ? stridesOf(inLengths) : inLengths.map((_, i) => sizeOf(inLengths.slice(0, i)));
  return indexMap(inLengths, (index) => index.reduce((sum, at, i) => sum + at * strides[i], 0));
}

const MAXPOOL1D_F32 = cKernel('ecgc_maxpool1d_f32', 'ecgc_pool1d.c');
const MAXPOOL2D_F32 = cKernel('ecgc_maxpool2d_f32', 'ecgc_pool2d.c');

export const MaxPool: OpDef = {
  op: 'MaxPool',
  integer: { lower: maxPoolToS8, keepsQuant: true },
  // Indices (output 1), reference only: C writes Y alone, and refuses a graph that reads them
  computesIndices: true,
  infer(ctx) {
    const { outShape } = geometry(ctx);
    return ctx.node.outputs[1] ? [{ dtype: 'float32', shape: outShape }, { dtype: 'int64', shape: outShape }] : [{ dtype: 'float32', shape: outShape }];
  },
  prepare(ctx) {
    const { channels, windows } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    const storedAt = storageOffsets(ctx.node, windows.map((w) => w.inLength));
    return ([x], [y, indices]) => {
      for (let c = 0; c < channels; c++) {
        for (let o = 0; o < outSize; o++) {
          const argmax = maxTap(x, c * inSize, o, taps, offsets);
          y[c * outSize + o] = argmax < 0 ? -Infinity : x[c * inSize + argmax];
          if (indices) indices[c * outSize + o] = argmax < 0 ? -1 : c * inSize + storedAt[argmax];
        }
      }
    };
  },
  gradient(ctx) {
    const { channels, windows } = geometry(ctx);
    return maxPoolGradient(windows, channels);
  },
  lower(ctx, _outputs, c) {
    // only the Indices are read (Y's name removed as unused): no kernel writes them
    if (!ctx.node.outputs[0]) fail(`${where(ctx.node)}: its output '${ctx.node.outputs[1]}' has no C kernel`);
    const { channels, windows } = geometry(ctx);
    if (windows.length !== 1) return lowerPool2d(ctx.node, c, MAXPOOL2D_F32, channels, windows);
    const [w] = windows;
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([MAXPOOL1D_F32], (at) => `${MAXPOOL1D_F32.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.dilation}, ${w.padBegin});`);
  },
};

const POOL_ATTRIBUTES = ['kernel_shape', 'strides', 'dilations', 'pads', 'auto_pad', 'ceil_mode'];

/** MaxPool's integer form (1-D, Y alone): a MaxPoolS8 (src/ops/max-pool-s8.ts) of the same window, the input's quantization kept. */
export function maxPoolToS8(ic: IntegerContext): IntegerNode | undefined {
  if (geometry(ic.ctx).windows.length !== 1) return undefined;
  const attrs = Object.fromEntries(Object.entries(ic.ctx.node.attrs).filter(([name]) => POOL_ATTRIBUTES.includes(name)));
  return { op: 'MaxPoolS8', inputs: [ic.input(0)], attrs: { ...attrs, ...keptQuantAttributes(ic) } };
}
