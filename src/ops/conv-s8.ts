/**
 * ConvS8 (internal, src/quant/integer-graph.ts): Conv on int8 activations. Inputs: x (int8
 * [N, Cin, ...spatial]), the weight codes (int8 constant [Cout, Cin/group, ...kernel], the
 * plan's b-bit codes, per output channel symmetric), the int32 bias, and per output channel
 * the Q31 multipliers and shifts (int32 constants); Conv's attributes, and the output stage
 * (integer.ts). Attribute `bits`: the codes' width in flash; `encoding`: the plan's.
 *
 * For each output: acc = bias[co] + sum of w * (x + input_offset) over the taps inside the
 * input (a tap in the padding adds nothing: the padding is the real value 0); then
 * y = clamp(requantize(acc, multiplier[co], shift[co]) + output_offset, act_min, act_max).
 * Integer sums are exact (their order does not matter; integer-graph.ts refuses a layer
 * whose accumulator could leave int32). CMSIS-NN's arm_convolve_s8 computes the same.
 */
import { fail } from '../errors.js';
import { type At, type Lowering, cKernel, designated, offset } from './lowering.js';
import { convMacs, geometry } from './conv-geometry.js';
import { type IntegerContext, type IntegerNode, layerRequantization, lowerRequantization, outputStage, outputStageFields, outputValue } from './integer.js';
import type { OpContext, OpDef } from './op.js';
import { where } from './shapes.js';
import { tapOffsets } from './window.js';

const CONV1D_S8 = cKernel('ecgc_conv1d_s8', 'ecgc_conv1d_s8.c', 'ecgc_weights.c');
const CONV2D_S8 = cKernel('ecgc_conv2d_s8', 'ecgc_conv2d_s8.c', 'ecgc_weights.c');

export const ConvS8: OpDef = {
  op: 'ConvS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: geometry(ctx).outShape }],
  macs: convMacs,
  prepare(ctx) {
    const { windows, batch, inChannels, outChannels, group } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    const stage = outputStage(ctx.node);
    const [inPerGroup, outPerGroup] = [inChannels / group, outChannels / group];
    const hasBias = ctx.inputs[2] !== undefined;
    return ([x, w, bias, multiplier, shift], [y]) => {
      for (let n = 0; n < batch; n++) {
        const [xn, yn] = [n * inChannels * inSize, n * outChannels * outSize];
        for (let co = 0; co < outChannels; co++) {
          const firstChannel = Math.floor(co / outPerGroup) * inPerGroup;
          for (let o = 0; o < outSize; o++) {
            let acc = hasBias ? bias[co] : 0;
            for (let ci = 0; ci < inPerGroup; ci++) {
              for (let t = 0; t < taps; t++) {
                const at = offsets[o * taps + t];
                if (at >= 0) acc += w[(co * inPerGroup + ci) * taps + t] * (x[xn + (firstChannel + ci) * inSize + at] + stage.inputOffset);
              }
            }
            y[yn + co * outSize + o] = outputValue(acc, multiplier[co], shift[co], stage);
          }
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const g = geometry(ctx);
    if (g.windows.length === 2) return lower2d(ctx, c, g);
    if (g.windows.length !== 1) fail(`${where(ctx.node)}: ${g.windows.length}-D int8 convolution has no C kernel (1-D and 2-D have)`);
    const layout = timeMajorLayout(ctx, g);
    const id = declareLayer(ctx, c, g, layout);
    const scratch = { bytes: convScratchBytes(g, layout), check: `${CONV1D_S8.name}_get_buffer_size(&${id})` };
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    const call = (at: At, s: string, n: number) => `${CONV1D_S8.name}(&${id}, ${offset(at(x), n * g.inChannels * g.window.inLength)}, ${offset(at(y), n * g.outChannels * g.window.outLength)}, ${s});`;
    c.step([CONV1D_S8], (at, s) => Array.from({ length: g.batch }, (_, n) => call(at, s, n)).join('\n  '), { scratch });
  },
  stream: {
    stage: {
      // ecgc_stream_s8 keeps each stage's input rows time-major in one int8 layout: 1-D, one window, groups 1, the padding before within the rows a block reads
      accepts: (ctx) => {
        const g = geometry(ctx);
        return g.windows.length === 1 && g.batch === 1 && g.group === 1 && g.window.padBegin <= (g.window.kernel - 1) * g.window.dilation;
      },
      declare: (ctx, c) => {
        const g = geometry(ctx);
        const id = declareLayer(ctx, c, g, { span: g.window.outLength, split: false });
        const { window: w, inChannels, outChannels } = g;
        const rowLength = inChannels * w.kernel;
        const sparse = (ctx.node.attrs.encoding ?? 'dense') !== 'dense';
        return { id, inChannels, outChannels, kernel: w.kernel, dilation: w.dilation, stride: w.stride, rowLength, packed: true, sparse, s8: { width: timeMajorWidth(g), spanBytes: spanBuffersBytes(g) } };
      },
    },
  },
};

/** A 2-D layer: its ecgc_conv2d_s8_t, and one call a batch of ecgc_conv2d_s8 (plain C), with a row of codes as scratch. */
function lower2d(ctx: OpContext, c: Lowering, g: ReturnType<typeof geometry>): void {
  const [h, w] = g.windows;
  const id = c.id('layer');
  const weights = c.codes(id);
  const stage = outputStage(ctx.node);
  const fields = {
    in_channels: g.inChannels, out_channels: g.outChannels, in_height: h.inLength, in_width: w.inLength, out_height: h.outLength, out_width: w.outLength,
    kernel_height: h.kernel, kernel_width: w.kernel, stride_height: h.stride, stride_width: w.stride, dilation_height: h.dilation, dilation_width: w.dilation,
    pad_top: h.padBegin, pad_left: w.padBegin, groups: g.group, input_zero_point: -stage.inputOffset, ...outputStageFields(stage),
    weights: weights.init, ...lowerRequantization(ctx, c, id),
  };
  c.declare(`static const ecgc_conv2d_s8_t ${id} = ${designated(fields)};`);
  const rowLength = (g.inChannels / g.group) * h.kernel * w.kernel;
  const [inSize, outSize] = [g.inChannels * h.inLength * w.inLength, g.outChannels * h.outLength * w.outLength];
  const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
  const call = (at: At, s: string, n: number) => `${CONV2D_S8.name}(&${id}, ${offset(at(x), n * inSize)}, ${offset(at(y), n * outSize)}, ${s});`;
  c.step([CONV2D_S8], (at, s) => Array.from({ length: g.batch }, (_, n) => call(at, s, n)).join('\n  '), { scratch: { bytes: round4(rowLength), check: `${CONV2D_S8.name}_get_buffer_size(&${id})` } });
}

/** The layer's ecgc_conv1d_s8_t (in <name>.c) with the time-major layout given; returns its identifier. */
function declareLayer(ctx: OpContext, c: Lowering, g: ReturnType<typeof geometry>, layout: { span: number; split: boolean }): string {
  const w = g.window;
  const id = c.id('layer');
  const weights = c.codes(id);
  const stage = outputStage(ctx.node);
  const fields = {
    in_channels: g.inChannels, out_channels: g.outChannels, in_length: w.inLength, out_length: w.outLength, kernel: w.kernel,
    stride: w.stride, dilation: w.dilation, pad_begin: w.padBegin, groups: g.group, input_zero_point: -stage.inputOffset, ...outputStageFields(stage),
    weights: weights.init, ...lowerRequantization(ctx, c, id), span: layout.span, split: Number(layout.split),
  };
  c.declare(`static const ecgc_conv1d_s8_t ${id} = ${designated(fields)};`);
  return id;
}

const round4 = (n: number) => Math.ceil(n / 4) * 4;

/** runtime-c's ECGC_CONV_CHUNK: positions whose int32 sums wait for the output stage. */
const CHUNK = 32;

/** The largest time-major copy of a layer's input kept whole; past it the time axis goes in spans (this copy is often the arena's largest scratch). */
const TIME_MAJOR_BYTES = 3072;

/** Spans are multiples of this many positions. */
const SPAN_STEP = 8;

const rowsOf = ({ window: w }: ReturnType<typeof geometry>, positions: number) => (positions - 1) * w.stride + (w.kernel - 1) * w.dilation + 1;
const timeMajorWidth = ({ window: w, inChannels, group }: ReturnType<typeof geometry>) => (w.dilation === 1 ? inChannels / group : round4(inChannels / group));

/**
 * Estimated cortex-m4f instructions that pick the time-major copy's layout (measured under
 * QEMU on the bench's layers): a MAC of the sums loop, split or int8; decoding a weight into
 * the packed rows, once a span (a dense 8-bit or narrower one; a sparse row's zeroed value,
 * and its nonzero code).
 */
const COST = { mac: { split: 0.875, int8: 1.31 }, decode: { dense8: 3.5, dense: 6.5, sparse: 0.5, nonzero: 17 } };

/**
 * The time-major copy's layout: int8, or split into int16 pairs (two bytes a value, no SXTB16
 * in the sums loop) when a row holds a multiple of 4 values. The split copy needs smaller
 * spans in the same bytes, and each span decodes every row of weights again: the layout of
 * fewer estimated instructions wins.
 */
function timeMajorLayout(ctx: OpContext, g: ReturnType<typeof geometry>): { span: number; split: boolean } {
  const [width, outputs] = [timeMajorWidth(g), g.window.outLength];
  const span = timeMajorSpan(outputs, (positions) => timeMajorBytes(g, positions, false));
  if (width % 4 !== 0) return { span, split: false };
  const splitSpan = timeMajorSpan(outputs, (positions) => timeMajorBytes(g, positions, true));
  const codes = ctx.constants[1]!.data;
  let nonzero = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] !== 0) nonzero++;
  const { decode: d } = COST;
  const decode = (ctx.node.attrs.encoding ?? 'dense') === 'dense' ? (Number(ctx.node.attrs.bits ?? 8) === 8 ? d.dense8 : d.dense) * codes.length : d.sparse * codes.length + d.nonzero * nonzero;
  const macs = convMacs(ctx) / g.batch;
  const cost = (split: boolean, spanLength: number) => Math.ceil(outputs / spanLength) * decode + COST.mac[split ? 'split' : 'int8'] * macs;
  return cost(true, splitSpan) <= cost(false, span) ? { span: splitSpan, split: true } : { span, split: false };
}

/** The bytes of the time-major copy of `positions` outputs' input rows: two a value split, else one and 4 a window may read past it. */
function timeMajorBytes(g: ReturnType<typeof geometry>, positions: number, split: boolean): number {
  const values = rowsOf(g, positions) * timeMajorWidth(g);
  return split ? 2 * values : round4(values + 4);
}

/**
 * How many of a layer's `outputs` positions ecgc_conv1d_s8 computes from one time-major copy
 * of their input rows (`bytes(positions)` long): all of them when the copy fits
 * TIME_MAJOR_BYTES, else the most multiples of 8 that do (8 at least). Every weight row is
 * decoded again for each span, so a short span trades instructions for RAM.
 */
export function timeMajorSpan(outputs: number, bytes: (positions: number) => number): number {
  if (bytes(outputs) <= TIME_MAJOR_BYTES) return outputs;
  let span = SPAN_STEP;
  while (span + SPAN_STEP < outputs && bytes(span + SPAN_STEP) <= TIME_MAJOR_BYTES) span += SPAN_STEP;
  return span;
}

/**
 * runtime-c's ecgc_conv1d_s8_get_buffer_size. Depthwise (dilation 1): a channel widened to
 * int16 up to the last value a pass reads, its taps in pairs (three at least), the sums, a
 * row of codes. Otherwise: two rows packed, where each code goes in them (int16), a row of
 * codes, the input rows of a span time-major, the sums of two channels.
 */
function convScratchBytes(g: ReturnType<typeof geometry>, layout: { span: number; split: boolean }): number {
  const { window: w, inChannels, outChannels, group } = g;
  const inPerGroup = inChannels / group;
  const [sums, codes] = [4 * 2 * CHUNK, round4(inPerGroup * w.kernel)];
  if (inChannels === group && outChannels === group && w.dilation === 1) {
    const pairs = Math.max(3, Math.ceil(w.kernel / 2));
    return 2 * round4((w.outLength + 2) * w.stride + 2 * pairs) + 4 * pairs + sums + codes;
  }
  return spanBuffersBytes(g) + timeMajorBytes(g, layout.span, layout.split);
}

/** runtime-c's ecgc_conv1d_s8_span_get_buffer_size (not depthwise): two rows packed, the sums of two channels, where each code goes in them (int16), a row of codes. */
function spanBuffersBytes(g: ReturnType<typeof geometry>): number {
  const { window: w, inChannels, group } = g;
  const rowLength = (inChannels / group) * w.kernel;
  const window = w.dilation === 1 ? round4(rowLength) : w.kernel * timeMajorWidth(g);
  return 4 * window + 4 * 2 * CHUNK + round4(2 * rowLength) + round4(rowLength);
}

/** Conv's integer form: a ConvS8 of the plan's codes, for a 1-D Conv whose weight the plan quantized. */
/** Whether a Conv runs its layer on int8: 1-D or 2-D, its bias (if any) a constant. */
export const convTakesLayer = (ctx: OpContext): boolean => geometry(ctx).windows.length <= 2 && (!ctx.inputs[2] || ctx.constants[2] !== undefined);

export function convToS8(ic: IntegerContext): IntegerNode | undefined {
  const layer = ic.layer();
  if (!layer) return undefined;
  const { inputs, attrs } = layerRequantization(ic, layer, ic.ctx.constants[2]?.data);
  const codes = ic.constant('codes', 'int8', ic.ctx.inputs[1]!.shape, layer.codes);
  const convAttrs = Object.fromEntries(Object.entries(ic.ctx.node.attrs).filter(([name]) => CONV_ATTRIBUTES.includes(name)));
  return { op: 'ConvS8', inputs: [ic.input(0), codes, ...inputs], attrs: { ...convAttrs, ...attrs, ...(layer.encoding ? { encoding: layer.encoding } : {}) } };
}

const CONV_ATTRIBUTES = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];
