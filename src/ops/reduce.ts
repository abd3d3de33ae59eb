/**
 * Reductions: which input offsets each output element reduces over, in order (the row-major
 * order of the reduced axes), and the Reduce* ops, each an accumulator folded over them; and
 * ArgMax and ArgMin, which reduce one axis to an index.
 */
import { fail } from '../errors.js';
import { type TensorData, sizeOf } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attributes.js';
import { expF32, logF32 } from './approx.js';
import { reductionGradient } from './gradient.js';
import { type CKernel, type Lowering, cKernel } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

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

/** The reference of a reduction: acc = init, acc = fround(step(acc, x)) over each output's elements in order, y = finish(acc, n). */
export function foldReduction({ base, reduced }: Reduction, { init, step, finish }: Reducer) {
  const n = reduced.length;
  const f = Math.fround;
  return (x: ArrayLike<number>, y: TensorData) => {
    for (let o = 0; o < base.length; o++) {
      let acc = init;
      for (let j = 0; j < n; j++) acc = f(step(acc, x[base[o] + reduced[j]]));
      y[o] = finish(acc, n);
    }
  };
}

/** Global pools reduce the spatial axes of [N, C, ...spatial], keeping each as length 1. */
export function globalPoolReduction(ctx: OpContext): Reduction {
  const shape = inputShape(ctx, 0);
  if (shape.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is [${shape.join(', ')}]`);
  return reduction(shape, spatialAxes(shape), true);
}

export const spatialAxes = (shape: readonly number[]) => shape.slice(2).map((_, i) => i + 2);

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

/**
 * A Reduce* op: acc = init, then acc = fround(step(acc, x)) over the reduced elements in
 * order, y = fround(finish(acc, n)). Its C kernel (runtime-c/ecgc_reduce.c) takes the same
 * steps over the middle axis of (outer, n, inner), so the reduced axes must be adjacent.
 * `axesInputSince`: the opset from which axes come as an input (with noop_with_empty_axes),
 * not an attribute.
 */
export interface Reducer {
  init: number;
  step(acc: number, x: number): number;
  finish(acc: number, n: number): number;
  /** ∂y/∂x for one reduced element x of n, y the result (src/ops/gradient.ts). */
  derivative(x: number, y: number, n: number): number;
  kernel: CKernel;
}

/** `pool`: the reduction a global pooling is when it takes every spatial axis of a map [N, C, ...] (ReduceMean, ReduceMax). */
export function reduceOp(op: string, reducer: Reducer, axesInputSince: number, pool?: 'average' | 'max'): OpDef {
  /** The reduced axes; undefined: none (noop_with_empty_axes), the output is the input. */
  const axes = (ctx: OpContext): number[] | undefined => {
    const shape = inputShape(ctx, 0);
    const given = ctx.opset >= axesInputSince ? (ctx.inputs[1] ? Array.from(constantInput(ctx, 1, 'axes').data) : []) : attrInts(ctx.node, 'axes') ?? [];
    if (given.length === 0) return ctx.opset >= axesInputSince && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1 ? undefined : shape.map((_, i) => i);
    return given.map((a) => normalizeAxis(ctx.node, a, shape.length));
  };
  const geometry = (ctx: OpContext) => reduction(inputShape(ctx, 0), axes(ctx) ?? [], attrInt(ctx.node, 'keepdims', 1) === 1);
  return {
    op,
    infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
    prepare(ctx) {
      const fold = foldReduction(geometry(ctx), reducer);
      return ([x], [y]) => fold(x, y);
    },
    gradient: (ctx) => reductionGradient(geometry(ctx), reducer.derivative),
    globalPool(ctx) {
      const shape = inputShape(ctx, 0);
      return shape.length >= 3 && axes(ctx)?.join() === spatialAxes(shape).join() ? pool : undefined;
    },
    affine: () => pool === 'average',
    lower(ctx, _outputs, c) {
      const reducedAxes = axes(ctx);
      if (reducedAxes === undefined) c.view();
      else lowerReduction(ctx, c, reducer.kernel, reducedAxes);
    },
  };
}

const kernelOf = (name: string) => cKernel(`ecgc_reduce_${name}_f32`, 'ecgc_reduce.c');
const f32 = Math.fround;
const same = (acc: number) => acc;

export const REDUCERS = {
  sum: { init: 0, step: (acc, x) => acc + x, finish: same, derivative: () => 1, kernel: kernelOf('sum') },
  mean: { init: 0, step: (acc, x) => acc + x, finish: (acc, n) => acc / n, derivative: (_x, _y, n) => 1 / n, kernel: kernelOf('mean') },
  // every element equal to the extremum passes the gradient on
  max: { init: -Infinity, step: (acc, x) => (x > acc ? x : acc), finish: same, derivative: (x, y) => (x === y ? 1 : 0), kernel: kernelOf('max') },
  min: { init: Infinity, step: (acc, x) => (x < acc ? x : acc), finish: same, derivative: (x, y) => (x === y ? 1 : 0), kernel: kernelOf('min') },
  prod: { init: 1, step: (acc, x) => acc * x, finish: same, derivative: (x, y) => (x === 0 ? 0 : y / x), kernel: kernelOf('prod') },
  l1: { init: 0, step: (acc, x) => acc + Math.abs(x), finish: same, derivative: (x) => Math.sign(x), kernel: kernelOf('l1') },
  l2: { init: 0, step: (acc, x) => acc + f32(x * x), finish: (acc) => Math.sqrt(acc), derivative: (x, y) => (y === 0 ? 0 : x / y), kernel: kernelOf('l2') },
  sumSquare: { init: 0, step: (acc, x) => acc + f32(x * x), finish: same, derivative: (x) => 2 * x, kernel: kernelOf('sum_square') },
  logSumExp: { init: 0, step: (acc, x) => acc + expF32(x), finish: logF32, derivative: (x, y) => Math.exp(x - y), kernel: kernelOf('log_sum_exp') },
} satisfies Record<string, Reducer>;

/**
 * ArgMax and ArgMin: along one axis, the int64 index of the element `better` than every
 * earlier one (the first of equal ones), or with select_last_index also as good as it (the
 * last). In C the same loop over the middle axis of (outer, n, inner), runtime-c/ecgc_argmax.c;
 * as the graph's output the indices reach the caller as floats (exact below 2^24).
 */
export function argReduceOp(op: string, better: (x: number, best: number) => boolean, kernel: CKernel): OpDef {
  const geometry = (ctx: OpContext) => {
    const shape = inputShape(ctx, 0);
    const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', 0), shape.length);
    if (shape[axis] === 0) fail(`${where(ctx.node)}: axis ${axis} is empty: there is no ${op} of no elements`);
    const keepDims = attrInt(ctx.node, 'keepdims', 1) === 1;
    return {
      outer: sizeOf(shape.slice(0, axis)),
      n: shape[axis],
      inner: sizeOf(shape.slice(axis + 1)),
      selectLast: ctx.opset >= 12 && attrInt(ctx.node, 'select_last_index', 0) === 1,
      outShape: keepDims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis),
    };
  };
  return {
    op,
    computesIndices: true,
    infer: (ctx) => [{ dtype: 'int64', shape: geometry(ctx).outShape }],
    prepare(ctx) {
      const { outer, n, inner, selectLast } = geometry(ctx);
      return ([x], [y]) => {
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            const first = o * n * inner + i;
            let best = 0;
            for (let j = 1; j < n; j++) {
              const [v, b] = [x[first + j * inner], x[first + best * inner]];
              if (better(v, b) || (selectLast && v === b)) best = j;
            }
            y[o * inner + i] = best;
          }
        }
      };
    },
    lower(ctx, _outputs, c) {
      const { outer, n, inner, selectLast } = geometry(ctx);
      const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
      c.step([kernel], (at) => `${kernel.name}(${at(x)}, ${at(y)}, ${outer}, ${n}, ${inner}, ${selectLast ? 1 : 0});`);
    },
    outputMeaning: { probabilities: false, text: `the int64 indices of ${op}, as floats (exact below 2^24)` },
  };
}
