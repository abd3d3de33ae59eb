/**
 * An op's reverse pass, for explanations (src/explain): from the node's inputs and outputs as
 * the forward pass left them and the gradient of a score with respect to each output, it
 * adds the gradient with respect to each input that wants one (`inputGrads[i]` undefined:
 * a constant, or a value the score does not reach through). Gradients are float64: an
 * explanation needs their direction, not float32's rounding, and the forward values are the
 * reference's own.
 *
 * The helpers below serve families of ops: element-wise, broadcasting binary, reductions and
 * the copies along an index map (Transpose, Slice, Pad, ...).
 */
import { sizeOf, type TensorData } from '../ir/graph.js';
import type { OpContext } from './op.js';
import type { Reduction } from './reduce.js';
import { broadcastIndexMap, inputShape } from './shapes.js';

export type GradientKernel = (inputs: TensorData[], outputs: TensorData[], outputGrads: Float64Array[], inputGrads: (Float64Array | undefined)[]) => void;

/** dy/dx of an element-wise op, given x and y = f(x). */
export type Derivative = (x: number, y: number) => number;

export function unaryGradient(derivative: (ctx: OpContext) => Derivative): (ctx: OpContext) => GradientKernel {
  return (ctx) => {
    const d = derivative(ctx);
    return ([x], [y], [gy], [gx]) => {
      if (!gx) return;
      for (let i = 0; i < gy.length; i++) if (gy[i] !== 0) gx[i] += gy[i] * d(x[i], y[i]);
    };
  };
}

/** ∂y/∂a and ∂y/∂b of a binary op at (a, b, y). */
export type Partials = [(a: number, b: number, y: number) => number, (a: number, b: number, y: number) => number];

/** A broadcasting binary op: each operand's gradient summed over the output elements that read it. */
export function binaryGradient([da, db]: Partials): (ctx: OpContext, outputs: { shape: number[] }[]) => GradientKernel {
  return (ctx, [out]) => {
    const size = sizeOf(out.shape);
    const aIndex = broadcastIndexMap(inputShape(ctx, 0), out.shape);
    const bIndex = broadcastIndexMap(inputShape(ctx, 1), out.shape);
    return ([a, b], [y], [gy], [ga, gb]) => {
      for (let i = 0; i < size; i++) {
        const g = gy[i];
        if (g === 0) continue;
        const [ai, bi] = [aIndex[i], bIndex[i]];
        if (ga) ga[ai] += g * da(a[ai], b[bi], y[i]);
        if (gb) gb[bi] += g * db(a[ai], b[bi], y[i]);
      }
    };
  };
}

/**
 * A reduction (src/ops/reduce.ts): each reduced element gets its output's gradient times
 * ∂y/∂x, given x, the output y and the count n.
 */
export function reductionGradient({ base, reduced }: Reduction, derivative: (x: number, y: number, n: number) => number): GradientKernel {
  const n = reduced.length;
  return ([x], [y], [gy], [gx]) => {
    if (!gx) return;
    for (let o = 0; o < base.length; o++) {
      if (gy[o] === 0) continue;
      for (let j = 0; j < n; j++) {
        const at = base[o] + reduced[j];
        gx[at] += gy[o] * derivative(x[at], y[o], n);
      }
    }
  };
}

/** The reverse of a copy along an index map (src/ops/gather-map.ts): each output's gradient goes back to the element it copied. */
export function scatterGradient(map: Int32Array): GradientKernel {
  return (_inputs, _outputs, [gy], [gx]) => {
    if (!gx) return;
    for (let i = 0; i < map.length; i++) if (map[i] >= 0) gx[map[i]] += gy[i];
  };
}
