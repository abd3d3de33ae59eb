/** A Conv's geometry (input [N, Cin, ...spatial], weight [Cout, Cin/group, ...kernel]), shared by Conv and its int8 twin ConvS8. */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText } from '../ir/graph.js';
import type { OpContext } from './op.js';
import { inputShape, where } from './shapes.js';
import { spatialWindows, type Window1d } from './window.js';

export interface ConvGeometry {
  /** One per spatial axis. */
  windows: Window1d[];
  /** windows[0]: what the 1-D C kernels take. */
  window: Window1d;
  outShape: number[];
  batch: number;
  inChannels: number;
  outChannels: number;
  group: number;
}

export function geometry(ctx: OpContext): ConvGeometry {
  const x = inputShape(ctx, 0);
  const w = inputShape(ctx, 1);
  if (x.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(x)}`);
  if (w.length !== x.length) fail(`${where(ctx.node)}: the weight must be [Cout, Cin/group, ...kernel] for an input ${shapeText(x)}, got ${shapeText(w)}`);
  const group = attrInt(ctx.node, 'group', 1);
  const [outChannels, inPerGroup] = w;
  const inChannels = x[1];
  if (group < 1 || inChannels % group !== 0 || outChannels % group !== 0 || inPerGroup * group !== inChannels) {
    fail(`${where(ctx.node)}: weight ${shapeText(w)} with group ${group} does not fit an input of ${inChannels} channels`);
  }
  const bias = ctx.inputs[2];
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outChannels)) fail(`${where(ctx.node)}: bias must be [${outChannels}], got ${shapeText(bias.shape)}`);
  const { windows, outShape } = spatialWindows(ctx.node, x, w.slice(2), outChannels);
  return { windows, window: windows[0], outShape, batch: x[0], inChannels, outChannels, group };
}

/** Multiply-accumulates of one run. */
export function convMacs(ctx: OpContext): number {
  const g = geometry(ctx);
  const product = (pick: (w: Window1d) => number) => g.windows.reduce((p, w) => p * pick(w), 1);
  return g.batch * g.outChannels * product((w) => w.outLength) * (g.inChannels / g.group) * product((w) => w.kernel);
}
