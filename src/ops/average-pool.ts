/**
 * AveragePool, 1-D: sum of the taps inside the input in ascending order (each add rounded),
 * then one division. The divisor counts the taps inside the input, or with
 * count_include_pad the window clipped to the padded input (as torch and onnxruntime do
 * with ceil_mode).
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cFloat } from '../util/c.js';
import { cKernel } from './lowering.js';
import { inputShape, where } from './shapes.js';
import { ceilMode, kernelShape, window1d } from './window.js';

export function geometry(ctx: OpContext) {
  const x = inputShape(ctx, 0);
  if (x.length !== 3) fail(`${where(ctx.node)}: only 1-D pooling is supported (input [N, C, T]); the input is ${shapeText(x)}`);
  const window = window1d(ctx.node, x[2], kernelShape(ctx.node), { ceilMode: ceilMode(ctx.node) });
  if (window.dilation !== 1) fail(`${where(ctx.node)}: dilations other than 1 are not supported`);
  // every channel of every batch is pooled on its own: N x C rows
  return { channels: x[0] * x[1], outShape: [x[0], x[1], window.outLength], window };
}

/** Per output: the taps inside the input [first, last) and the divisor (see the header). */
export function averagePoolWindows(ctx: OpContext) {
  const { window } = geometry(ctx);
  const { kernel: K, stride, padBegin, padEnd, inLength: T, outLength: To } = window;
  const includePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  const first = new Int32Array(To);
  const last = new Int32Array(To);
  const divisor = new Float32Array(To);
  for (let t = 0; t < To; t++) {
    const start = t * stride - padBegin;
    first[t] = Math.max(start, 0);
    last[t] = Math.min(start + K, T);
    const count = includePad ? Math.min(start + K, T + padEnd) - start : last[t] - first[t];
    if (count <= 0) fail(`${where(ctx.node)}: output ${t} has a window with no input in it`);
    divisor[t] = count;
  }
  return { first, last, divisor };
}

const AVGPOOL1D_F32 = cKernel('ecgc_avgpool1d_f32', 'ecgc_pool1d.c');

export const AveragePool: OpDef = {
  op: 'AveragePool',
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  prepare(ctx) {
    const { channels, window } = geometry(ctx);
    const { inLength: T, outLength: To } = window;
    const { first, last, divisor } = averagePoolWindows(ctx);
    const f = Math.fround;
    return ([x], [y]) => {
      for (let c = 0; c < channels; c++) {
        for (let t = 0; t < To; t++) {
          let sum = 0;
          for (let i = first[t]; i < last[t]; i++) sum = f(sum + x[c * T + i]);
          y[c * To + t] = sum / divisor[t];
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { channels, window: w } = geometry(ctx);
    const id = c.id('op', '_divisor');
    c.declare(`static const float ${id}[] = {${Array.from(averagePoolWindows(ctx).divisor, cFloat).join(', ')}};`);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([AVGPOOL1D_F32], (at) => `${AVGPOOL1D_F32.name}(${at(x)}, ${at(y)}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.padBegin}, ${id});`);
  },
};
