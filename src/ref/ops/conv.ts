/**
 * Conv, 1-D: input [1, Cin, T], weight [Cout, Cin/group, K], optional bias [Cout].
 *
 * Summation order (the C kernels follow it): for each output y[co, t] the accumulator
 * starts at bias[co] (0 without bias), then adds fround(w * x) for input channels of the
 * group in ascending order and, within each, taps k in ascending order; every add is
 * rounded to float32. Taps that fall into padding are skipped. The loops run weight-
 * stationary (co, ci, k outer, t inner), which does not change any output's order.
 */
import { fail } from '../../errors.js';
import { attrInt } from '../../onnx/attributes.js';
import { shapeText } from '../../ir/graph.js';
import type { OpContext, OpDef } from '../op.js';
import { inputShape, where } from './shapes.js';
import { validRanges, type Window1d, window1d } from './window.js';

interface ConvGeometry {
  window: Window1d;
  inChannels: number;
  outChannels: number;
  group: number;
}

function geometry(ctx: OpContext): ConvGeometry {
  const x = inputShape(ctx, 0);
  const w = inputShape(ctx, 1);
  if (x.length !== 3) fail(`${where(ctx.node)}: only 1-D convolution is supported (input [N, C, T]); the input is ${shapeText(x)}`);
  if (w.length !== 3) fail(`${where(ctx.node)}: the weight must be [Cout, Cin/group, K], got ${shapeText(w)}`);
  const group = attrInt(ctx.node, 'group', 1);
  const [outChannels, inPerGroup, kernel] = w;
  const inChannels = x[1];
  if (group < 1 || inChannels % group !== 0 || outChannels % group !== 0 || inPerGroup * group !== inChannels) {
    fail(`${where(ctx.node)}: weight ${shapeText(w)} with group ${group} does not fit an input of ${inChannels} channels`);
  }
  const bias = ctx.inputs[2];
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outChannels)) fail(`${where(ctx.node)}: bias must be [${outChannels}], got ${shapeText(bias.shape)}`);
  return { window: window1d(ctx.node, x[2], kernel), inChannels, outChannels, group };
}

export const Conv: OpDef = {
  infer(ctx) {
    const g = geometry(ctx);
    return [{ dtype: 'float32', shape: [1, g.outChannels, g.window.outLength] }];
  },
  macs(ctx) {
    const g = geometry(ctx);
    return g.outChannels * g.window.outLength * (g.inChannels / g.group) * g.window.kernel;
  },
  prepare(ctx) {
    const { window, inChannels, outChannels, group } = geometry(ctx);
    const { first, end, offset } = validRanges(window);
    const { kernel: K, stride, inLength: T, outLength: To } = window;
    const inPerGroup = inChannels / group;
    const outPerGroup = outChannels / group;
    const hasBias = ctx.inputs[2] !== undefined;
    const f = Math.fround;
    return ([x, w, bias], [y]) => {
      for (let co = 0; co < outChannels; co++) {
        const yBase = co * To;
        y.fill(hasBias ? bias[co] : 0, yBase, yBase + To);
        const ciBase = Math.floor(co / outPerGroup) * inPerGroup;
        for (let ci = 0; ci < inPerGroup; ci++) {
          const xBase = (ciBase + ci) * T;
          const wBase = (co * inPerGroup + ci) * K;
          for (let k = 0; k < K; k++) {
            const wk = w[wBase + k];
            const xk = xBase + offset[k];
            for (let t = first[k], tEnd = end[k]; t < tEnd; t++) {
              y[yBase + t] = y[yBase + t] + f(wk * x[xk + t * stride]);
            }
          }
        }
      }
    };
  },
};
