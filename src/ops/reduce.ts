/** Reduction geometry: which input offsets each output element reduces over, in order. */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { type CKernel, type Lowering, cKernel } from './lowering.js';
import type { OpContext } from './op.js';
import { indexMap, inputShape, requireRank, stridesOf, where } from './shapes.js';

export interface Reduction {
  outShape: number[];
  /** Flat input offset of each output element's first reduced element. */
  base: Int32Array;
  /** Offsets of the reduced elements relative to `base`, in row-major order of the reduced axes. */
  reduced: Int32Array;
}

export function reduction(shape: readonly number[], axes: readonly number[], keepDims: boolean): Reduction {
  const strides = stridesOf(shape);
  const isReduced = shape.map((_, i) => axes.includes(i));
  const keptAxes = shape.map((_, i) => i).filter((i) => !isReduced[i]);
  const reducedAxes = shape.map((_, i) => i).filter((i) => isReduced[i]);
  const base = indexMap(
    keptAxes.map((i) => shape[i]),
    (index) => index.reduce((sum, v, j) => sum + v * strides[keptAxes[j]], 0),
  );
  const reduced = indexMap(
    reducedAxes.map((i) => shape[i]),
    (index) => index.reduce((sum, v, j) => sum + v * strides[reducedAxes[j]], 0),
  );
  const outShape = keepDims ? shape.map((d, i) => (isReduced[i] ? 1 : d)) : keptAxes.map((i) => shape[i]);
  return { outShape, base, reduced: sizeOf(reducedAxes.map((i) => shape[i])) === 0 ? new Int32Array(0) : reduced };
}

const f = Math.fround;

/** mean = fround(sum / n), the sum accumulated in `reduced` order with every add rounded. */
export function meanKernel(r: Reduction) {
  const n = r.reduced.length;
  return (x: ArrayLike<number>, y: Float32Array | Float64Array) => {
    for (let o = 0; o < r.base.length; o++) {
      const b = r.base[o];
      let sum = 0;
      for (let j = 0; j < n; j++) sum = f(sum + x[b + r.reduced[j]]);
      y[o] = sum / n;
    }
  };
}

/** max over `reduced` in order; a later element wins only when strictly greater. */
export function maxKernel(r: Reduction) {
  const n = r.reduced.length;
  return (x: ArrayLike<number>, y: Float32Array | Float64Array) => {
    for (let o = 0; o < r.base.length; o++) {
      const b = r.base[o];
      let max = -Infinity;
      for (let j = 0; j < n; j++) if (x[b + r.reduced[j]] > max) max = x[b + r.reduced[j]];
      y[o] = max;
    }
  };
}

/** Global pools reduce the time axis of [1, C, T], keeping it as length 1. */
export function globalPoolReduction(ctx: OpContext): Reduction {
  return reduction(requireRank(ctx, 0, [3], 'the input of a 1-D global pool'), [2], true);
}

export const REDUCE_MEAN_F32 = cKernel('ecgc_reduce_mean_f32', 'ecgc_reduce.c');
export const REDUCE_MAX_F32 = cKernel('ecgc_reduce_max_f32', 'ecgc_reduce.c');

/** A reduction over adjacent axes in C: the middle axis of (outer, n, inner). */
export function lowerReduction(ctx: OpContext, c: Lowering, kernel: CKernel, axes: number[]): void {
  const shape = inputShape(ctx, 0);
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.some((a, i) => i > 0 && a !== sorted[i - 1] + 1)) fail(`${where(ctx.node)}: a reduction over non-adjacent axes has no C kernel`);
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? shape.length - 1;
  const [outer, n, inner] = [sizeOf(shape.slice(0, first)), sizeOf(shape.slice(first, last + 1)), sizeOf(shape.slice(last + 1))];
  const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
  c.step([kernel], (at) => `${kernel.name}(${at(x)}, ${at(y)}, ${outer}, ${n}, ${inner});`);
}
