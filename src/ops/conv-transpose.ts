/**
 * ConvTranspose: input [N, Cin, ...spatial], weight [Cin, Cout/group, ...kernel], optional
 * bias [Cout]. Computed as a gather, which fixes the order of every sum: each output
 * y[co, o] starts at bias[co] (0 without bias), then adds fround(w[ci, co, k] * x[ci, i]) for
 * the group's input channels ascending and, within each, taps k in row-major order over the
 * kernel, where along every axis o + padBegin - k * dilation = i * stride with i inside the
 * input; every add is rounded to float32. Output lengths: stride * (in - 1) + output_padding +
 * (kernel - 1) * dilation + 1 - padBegin - padEnd, or output_shape (then the pads follow from
 * it, as ONNX defines: SAME_UPPER puts the smaller half first), or in * stride for auto_pad
 * SAME_*. C: 1-D and 2-D, float32 weights (not a compressible layer: its rows are input channels).
 */
import { fail } from '../errors.js';
import { attrInt, attrInts, attrString } from '../onnx/attributes.js';
import { shapeText } from '../ir/graph.js';
import { type At, cKernel, designated, offset } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, where } from './shapes.js';
import { type TapSource, type Window1d, tapOffsets } from './window.js';

function geometry(ctx: OpContext) {
  const { node } = ctx;
  const x = inputShape(ctx, 0);
  const w = inputShape(ctx, 1);
  if (x.length < 3) fail(`${where(node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  if (w.length !== x.length) fail(`${where(node)}: the weight must be [Cin, Cout/group, ...kernel] for an input ${shapeText(x)}, got ${shapeText(w)}`);
  const d = x.length - 2;
  const group = attrInt(node, 'group', 1);
  const [inChannels, outPerGroup] = w;
  if (group < 1 || inChannels !== x[1] || inChannels % group !== 0) fail(`${where(node)}: weight ${shapeText(w)} with group ${group} does not fit an input of ${x[1]} channels`);
  const outChannels = outPerGroup * group;
  const bias = ctx.inputs[2];
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outChannels)) fail(`${where(node)}: bias must be [${outChannels}], got ${shapeText(bias.shape)}`);
  const list = (name: string, fallback: number[]): number[] => {
    const values = attrInts(node, name, fallback)!;
    if (values.length !== fallback.length) fail(`${where(node)}: '${name}' has ${values.length} values for ${d} spatial axes: ${JSON.stringify(values)}`);
    return values;
  };
  const kernels = list('kernel_shape', w.slice(2));
  if (kernels.some((k, i) => k !== w[2 + i])) fail(`${where(node)}: kernel_shape ${JSON.stringify(kernels)} does not match the weight ${shapeText(w)}`);
  const strides = list('strides', Array(d).fill(1));
  const dilations = list('dilations', Array(d).fill(1));
  const outputPadding = list('output_padding', Array(d).fill(0));
  const pads = list('pads', Array(2 * d).fill(0));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) fail(`${where(node)}: auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const given = attrInts(node, 'output_shape');
  if (given && given.length < d) fail(`${where(node)}: output_shape ${JSON.stringify(given)} has fewer than ${d} spatial lengths`);
  const windows: Window1d[] = x.slice(2).map((inLength, i) => {
    const [kernel, stride, dilation] = [kernels[i], strides[i], dilations[i]];
    if (stride < 1 || dilation < 1 || kernel < 1) fail(`${where(node)}: kernel, strides and dilations must be positive`);
    if (outputPadding[i] < 0 || outputPadding[i] >= Math.max(stride, dilation)) fail(`${where(node)}: output_padding must be smaller than the stride or the dilation`);
    const full = stride * (inLength - 1) + outputPadding[i] + (kernel - 1) * dilation + 1;
    const target = given ? given[given.length - d + i] : autoPad.startsWith('SAME') ? inLength * stride : undefined;
    let [padBegin, padEnd] = autoPad === 'VALID' ? [0, 0] : [pads[i], pads[i + d]];
    if (target !== undefined) {
      const total = full - target;
      const half = Math.floor(total / 2);
      [padBegin, padEnd] = autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
    }
    const outLength = full - padBegin - padEnd;
    if (outLength < 1) fail(`${where(node)}: the output would have length ${outLength} along spatial axis ${i}`);
    return { kernel, stride, dilation, padBegin, padEnd, inLength, outLength };
  });
  return { windows, batch: x[0], inChannels, outChannels, group, outShape: [x[0], outChannels, ...windows.map((v) => v.outLength)] };
}

/** ConvTranspose's taps along an axis: output position out, tap k reads input index (out + padBegin - k * dilation) / stride where that is a whole index inside the input. */
const transposedSource: TapSource = (w, out, k) => {
  const position = out + w.padBegin - k * w.dilation;
  const index = position / w.stride;
  return position >= 0 && Number.isInteger(index) && index < w.inLength ? index : -1;
};

const CONV_TRANSPOSE2D_F32 = cKernel('ecgc_conv_transpose2d_f32', 'ecgc_conv_transpose2d.c');

export const ConvTranspose: OpDef = {
  op: 'ConvTranspose',
  infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
  macs(ctx) {
    const g = geometry(ctx);
    return g.batch * g.inChannels * (g.outChannels / g.group) * g.windows.reduce((p, w) => p * w.inLength * w.kernel, 1);
  },
  prepare(ctx) {
    const { windows, batch, inChannels, outChannels, group } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows, transposedSource);
    const [inPerGroup, outPerGroup] = [inChannels / group, outChannels / group];
    const hasBias = ctx.inputs[2] !== undefined;
    const f = Math.fround;
    return ([x, w, bias], [y]) => {
      for (let n = 0; n < batch; n++) {
        for (let co = 0; co < outChannels; co++) {
          const [g, column] = [Math.floor(co / outPerGroup), co % outPerGroup];
          for (let o = 0; o < outSize; o++) {
            let acc = hasBias ? bias[co] : 0;
            for (let ci = g * inPerGroup; ci < (g + 1) * inPerGroup; ci++) {
              for (let t = 0; t < taps; t++) {
                const at = offsets[o * taps + t];
                if (at >= 0) acc = f(acc + f(w[(ci * outPerGroup + column) * taps + t] * x[(n * inChannels + ci) * inSize + at]));
              }
            }
            y[(n * outChannels + co) * outSize + o] = acc;
          }
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { windows, batch, inChannels, outChannels, group } = geometry(ctx);
    if (windows.length > 2) fail(`${where(ctx.node)}: ${windows.length}-D ConvTranspose has no C kernel (1-D and 2-D have)`);
    if (!ctx.constants[1]) fail(`${where(ctx.node)}: the weight must be a constant to compile to C`);
    const row: Window1d = { kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, inLength: 1, outLength: 1 };
    const [h, w] = windows.length === 2 ? windows : [row, windows[0]];
    const id = c.id('op', '_conv_transpose');
    c.declare(
      `static const ecgc_conv_transpose2d_t ${id} = ${designated({
        in_channels: inChannels, out_channels: outChannels, in_height: h.inLength, in_width: w.inLength, out_height: h.outLength, out_width: w.outLength,
        kernel_height: h.kernel, kernel_width: w.kernel, stride_height: h.stride, stride_width: w.stride, dilation_height: h.dilation, dilation_width: w.dilation,
        pad_top: h.padBegin, pad_left: w.padBegin, groups: group, weights: c.constant(ctx.node.inputs[1]), bias: ctx.inputs[2] ? c.constant(ctx.node.inputs[2]) : 'NULL',
      })};`,
    );
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    const [inSize, outSize] = [h.inLength * w.inLength, h.outLength * w.outLength];
    // one call per batch
    const call = (at: At, n: number) => `${CONV_TRANSPOSE2D_F32.name}(&${id}, ${offset(at(x), n * inChannels * inSize)}, ${offset(at(y), n * outChannels * outSize)});`;
    c.step([CONV_TRANSPOSE2D_F32], (at) => Array.from({ length: batch }, (_, n) => call(at, n)).join('\n  '));
  },
};
