/** Sliding-window geometry shared by Conv, MaxPool and AveragePool, per spatial axis. */
import type { GradientKernel } from './gradient.js';
import { fail } from '../errors.js';
import { attrInt, attrInts, attrString } from '../onnx/attributes.js';
import type { Node } from '../ir/graph.js';
import { type CKernel, type Lowering, designated } from './lowering.js';
import type { Kernel } from './op.js';
import { where } from './shapes.js';

export interface Window1d {
  kernel: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
  inLength: number;
  outLength: number;
}

/**
 * The window along each spatial axis of an input [N, C, ...spatial]: strides, dilations and
 * pads (begins then ends) have one entry per axis; auto_pad applies to each.
 */
export function windows(node: Node, inLengths: readonly number[], kernels: readonly number[], options: { ceilMode?: boolean } = {}): Window1d[] {
  const d = inLengths.length;
  const list = (name: string, fallback: number[]): number[] => {
    const values = attrInts(node, name, fallback)!;
    if (values.length !== fallback.length) fail(`${where(node)}: '${name}' has ${values.length} values for ${d} spatial axes: ${JSON.stringify(values)}`);
    return values;
  };
  if (kernels.length !== d) fail(`${where(node)}: a kernel of ${kernels.length} axes for ${d} spatial axes`);
  const strides = list('strides', Array(d).fill(1));
  const dilations = list('dilations', Array(d).fill(1));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const pads = autoPad === 'NOTSET' ? list('pads', Array(2 * d).fill(0)) : undefined;
  return inLengths.map((inLength, axis) => {
    const [kernel, stride, dilation] = [kernels[axis], strides[axis], dilations[axis]];
    if (stride < 1 || dilation < 1 || kernel < 1) fail(`${where(node)}: kernel, strides and dilations must be positive`);
    const extent = dilation * (kernel - 1) + 1;
    let [padBegin, padEnd] = pads ? [pads[axis], pads[axis + d]] : [0, 0];
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const total = Math.max(0, (Math.ceil(inLength / stride) - 1) * stride + extent - inLength);
      padBegin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      padEnd = total - padBegin;
    } else if (autoPad !== 'NOTSET' && autoPad !== 'VALID') {
      fail(`${where(node)}: auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
    }
    if (padBegin < 0 || padEnd < 0) fail(`${where(node)}: negative pads are not supported`);
    const span = inLength + padBegin + padEnd - extent;
    if (span < 0) fail(`${where(node)}: the window (extent ${extent}) is longer than the padded input (${inLength + padBegin + padEnd})`);
    let outLength = (options.ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
    // As in torch and onnxruntime: the last window must start inside the input or the left padding.
    if (options.ceilMode && (outLength - 1) * stride >= inLength + padBegin) outLength--;
    return { kernel, stride, dilation, padBegin, padEnd, inLength, outLength };
  });
}

/** The windows of a node whose input is [N, C, ...spatial], and its output shape [N, channels, ...]. */
export function spatialWindows(node: Node, input: readonly number[], kernels: readonly number[], channels: number, options: { ceilMode?: boolean } = {}) {
  const w = windows(node, input.slice(2), kernels, options);
  return { windows: w, outShape: [input[0], channels, ...w.map((x) => x.outLength)] };
}

/** Along one axis: the input index an output position's tap k reads, or -1 outside the input. */
export type TapSource = (w: Window1d, out: number, k: number) => number;

/** A sliding window's source: out * stride + k * dilation - padBegin. */
const slidingSource: TapSource = (w, out, k) => {
  const at = out * w.stride + k * w.dilation - w.padBegin;
  return at >= 0 && at < w.inLength ? at : -1;
};

/**
 * Each output position's taps, in row-major order over the kernel: the flat input offset of
 * each tap inside the input (within one [spatial] plane, inSize values), -1 for a tap in the
 * padding. The sliding-window ops' plain references loop over this (ConvTranspose with its
 * own `source`).
 */
export function tapOffsets(w: readonly Window1d[], source: TapSource = slidingSource): { inSize: number; outSize: number; taps: number; offsets: Int32Array } {
  const outShape = w.map((x) => x.outLength);
  const kernelShape = w.map((x) => x.kernel);
  const inStrides = w.map((_, i) => w.slice(i + 1).reduce((p, x) => p * x.inLength, 1));
  const outSize = outShape.reduce((p, x) => p * x, 1);
  const taps = kernelShape.reduce((p, x) => p * x, 1);
  const offsets = new Int32Array(outSize * taps);
  const out = new Array<number>(w.length).fill(0);
  for (let o = 0; o < outSize; o++) {
    const k = new Array<number>(w.length).fill(0);
    for (let t = 0; t < taps; t++) {
      let offset = 0;
      for (let i = 0; i < w.length && offset >= 0; i++) {
        const at = source(w[i], out[i], k[i]);
        offset = at >= 0 ? offset + at * inStrides[i] : -1;
      }
      offsets[o * taps + t] = offset;
      for (let i = w.length - 1; i >= 0 && ++k[i] === w[i].kernel; i--) k[i] = 0;
    }
    for (let i = w.length - 1; i >= 0 && ++out[i] === w[i].outLength; i--) out[i] = 0;
  }
  return { inSize: inStrides[0] * w[0].inLength, outSize, taps, offsets };
}

/**
 * The summing pools' plain reference (AveragePool, LpPool): for each channel and output, the
 * float32 sum of `term` of every tap inside the input, in tap order, then `finish(sum, output)`.
 */
export function sumPool(windows: readonly Window1d[], channels: number, term: (x: number) => number, finish: (sum: number, o: number) => number): Kernel {
  const { inSize, outSize, taps, offsets } = tapOffsets(windows);
  const f = Math.fround;
  return ([x], [y]) => {
    for (let c = 0; c < channels; c++) {
      for (let o = 0; o < outSize; o++) {
        let sum = 0;
        for (let t = 0; t < taps; t++) {
          const at = offsets[o * taps + t];
          if (at >= 0) sum = f(sum + term(x[c * inSize + at]));
        }
        y[c * outSize + o] = finish(sum, o);
      }
    }
  };
}

/** The summing pools' reverse: every tap inside the input gets its output's gradient times `weight(o)`. */
export function sumPoolGradient(windows: readonly Window1d[], channels: number, weight: (o: number) => number): GradientKernel {
  const { inSize, outSize, taps, offsets } = tapOffsets(windows);
  return (_inputs, _outputs, [gy], [gx]) => {
    if (!gx) return;
    for (let c = 0; c < channels; c++) {
      for (let o = 0; o < outSize; o++) {
        const g = gy[c * outSize + o] * weight(o);
        for (let t = 0; t < taps; t++) if (offsets[o * taps + t] >= 0) gx[c * inSize + offsets[o * taps + t]] += g;
      }
    }
  };
}

/**
 * MaxPool's scan of output o of the channel at `base`: the offset within the channel of the
 * largest tap inside the input, the first of equal ones (-1 for none).
 */
export function maxTap(x: ArrayLike<number>, base: number, o: number, taps: number, offsets: Int32Array): number {
  let [max, argmax] = [-Infinity, -1];
  for (let t = 0; t < taps; t++) {
    const at = offsets[o * taps + t];
    if (at >= 0 && x[base + at] > max) [max, argmax] = [x[base + at], at];
  }
  return argmax;
}

/** MaxPool's reverse: the output's gradient goes to the tap that won. */
export function maxPoolGradient(windows: readonly Window1d[], channels: number): GradientKernel {
  const { inSize, outSize, taps, offsets } = tapOffsets(windows);
  return ([x], _outputs, [gy], [gx]) => {
    if (!gx) return;
    for (let c = 0; c < channels; c++) {
      for (let o = 0; o < outSize; o++) {
        const argmax = maxTap(x, c * inSize, o, taps, offsets);
        if (argmax >= 0) gx[c * inSize + argmax] += gy[c * outSize + o];
      }
    }
  };
}

/**
 * For each tap k, the output positions t whose input position t*stride + k*dilation - padBegin
 * lies inside the input: [first[k], end[k]). Kernels loop over these, so padded taps are
 * skipped rather than multiplied by zero.
 */
export function validRanges(w: Window1d): { first: Int32Array; end: Int32Array; offset: Int32Array } {
  const first = new Int32Array(w.kernel);
  const end = new Int32Array(w.kernel);
  const offset = new Int32Array(w.kernel);
  for (let k = 0; k < w.kernel; k++) {
    const o = k * w.dilation - w.padBegin;
    offset[k] = o;
    first[k] = Math.min(w.outLength, Math.max(0, Math.ceil(-o / w.stride)));
    end[k] = Math.max(first[k], Math.min(w.outLength, Math.floor((w.inLength - 1 - o) / w.stride) + 1));
  }
  return { first, end, offset };
}

/** A pooling node's kernel_shape: one entry per spatial axis of its input. */
export function kernelShape(node: Node): number[] {
  const shape = attrInts(node, 'kernel_shape');
  if (!shape) fail(`${where(node)}: attribute 'kernel_shape' is required`);
  return shape;
}

export function ceilMode(node: Node): boolean {
  return attrInt(node, 'ceil_mode', 0) === 1;
}

/**
 * A pooling step through runtime-c/ecgc_pool2d.c: its ecgc_pool2d_t (a 1-D window as a single
 * row) and the call. `fields`: the op's own (AveragePool's divisor, LpPool's p).
 */
export function lowerPool2d(node: Node, c: Lowering, kernel: CKernel, channels: number, w: readonly Window1d[], fields: Record<string, string | number> = {}): void {
  if (w.length > 2) fail(`${where(node)}: ${w.length}-D pooling has no C kernel (1-D and 2-D have)`);
  const row: Window1d = { kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, inLength: 1, outLength: 1 };
  const [h, x] = w.length === 2 ? w : [row, w[0]];
  const id = c.id('op', '_pool');
  c.declare(
    `static const ecgc_pool2d_t ${id} = ${designated({
      channels, in_height: h.inLength, in_width: x.inLength, out_height: h.outLength, out_width: x.outLength, kernel_height: h.kernel, kernel_width: x.kernel,
      stride_height: h.stride, stride_width: x.stride, dilation_height: h.dilation, dilation_width: x.dilation, pad_top: h.padBegin, pad_left: x.padBegin, divisor: 'NULL', ...fields,
    })};`,
  );
  c.step([kernel], (at) => `${kernel.name}(&${id}, ${at(node.inputs[0])}, ${at(node.outputs[0])});`);
}
