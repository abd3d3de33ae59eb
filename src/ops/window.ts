/** Sliding-window geometry shared by Conv, MaxPool and AveragePool (1-D). */
import { fail } from '../errors.js';
import { attrInt, attrInts, attrString } from '../onnx/attributes.js';
import type { Node } from '../ir/graph.js';
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

export function window1d(node: Node, inLength: number, kernel: number, options: { ceilMode?: boolean } = {}): Window1d {
  const one = (name: string): number => {
    const values = attrInts(node, name, [1])!;
    if (values.length !== 1) fail(`${where(node)}: only 1-D windows are supported, '${name}' is ${JSON.stringify(values)}`);
    return values[0];
  };
  const stride = one('strides');
  const dilation = one('dilations');
  if (stride < 1 || dilation < 1 || kernel < 1) fail(`${where(node)}: kernel, strides and dilations must be positive`);
  const extent = dilation * (kernel - 1) + 1;
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let padBegin = 0;
  let padEnd = 0;
  if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads', [0, 0])!;
    if (pads.length !== 2) fail(`${where(node)}: only 1-D windows are supported, 'pads' is ${JSON.stringify(pads)}`);
    [padBegin, padEnd] = pads;
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = Math.max(0, (Math.ceil(inLength / stride) - 1) * stride + extent - inLength);
    padBegin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    padEnd = total - padBegin;
  } else if (autoPad !== 'VALID') {
    fail(`${where(node)}: auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  if (padBegin < 0 || padEnd < 0) fail(`${where(node)}: negative pads are not supported`);
  const span = inLength + padBegin + padEnd - extent;
  if (span < 0) fail(`${where(node)}: the window (extent ${extent}) is longer than the padded input (${inLength + padBegin + padEnd})`);
  let outLength = (options.ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // As in torch and onnxruntime: the last window must start inside the input or the left padding.
  if (options.ceilMode && (outLength - 1) * stride >= inLength + padBegin) outLength--;
  return { kernel, stride, dilation, padBegin, padEnd, inLength, outLength };
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

export function kernelShape(node: Node): number {
  const shape = attrInts(node, 'kernel_shape');
  if (!shape) fail(`${where(node)}: attribute 'kernel_shape' is required`);
  if (shape.length !== 1) fail(`${where(node)}: only 1-D pooling is supported, kernel_shape is ${JSON.stringify(shape)}`);
  return shape[0];
}

export function ceilMode(node: Node): boolean {
  return attrInt(node, 'ceil_mode', 0) === 1;
}
