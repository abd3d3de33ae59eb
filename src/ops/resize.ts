/**
 * Resize (opsets 10..19), scales, sizes and roi constant. Each output coordinate x maps to an
 * input coordinate c by coordinate_transformation_mode, in float32 with each operation rounded
 * (as onnxruntime does); an axis kept at its size maps each index to itself. Per axis, each
 * output index reads `count` taps (input offsets: index times stride) with one weight each:
 * - nearest: one tap, c rounded by nearest_mode, clamped to the input;
 * - linear: c clamped to [0, in - 1], x0 = floor, taps x0 and min(x0 + 1, in - 1),
 *   w1 = c - x0, w0 = 1 - w1;
 * - cubic, and antialiased linear or cubic (filterTable): s = min(scale, 1) with antialias
 *   (shrinking widens the filter to span the samples it averages), else 1; r = c - floor(c);
 *   taps floor(c) + i for i from start = floor(-support / s) + 1 to 1 - start, clamped to
 *   the input, each weighing filter((i - r) * s) (triangle, or Keys' cubic with cubic_coeff_a);
 *   with exclude_outside, taps outside the input weigh 0; with antialias or exclude_outside
 *   the weights are divided by their sum (added in tap order).
 * An axis of one tap carries no weight. The output is the sum over every combination of the
 * axes' taps (weightedKernel); with tf_crop_and_resize, extrapolation_value where any axis's
 * c falls outside [0, in - 1]. The tables are computed here once; runtime-c/ecgc_resize.c only
 * reads them, so the C is bit-exact.
 */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { attrFloat, attrInt, attrInts, attrString } from '../onnx/attributes.js';
import { cFloat } from '../util/c.js';
import type { Kernel, OpContext, OpDef } from './op.js';
import { gatherKernel } from './gather-map.js';
import { cKernel, ints } from './lowering.js';
import { MAX_C_RANK, constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

const RESIZE_NEAREST_F32 = cKernel('ecgc_resize_nearest_f32', 'ecgc_resize.c');
const RESIZE_LINEAR_F32 = cKernel('ecgc_resize_linear_f32', 'ecgc_resize.c');
const RESIZE_LINEAR_ND_F32 = cKernel('ecgc_resize_linear_nd_f32', 'ecgc_resize.c');
const RESIZE_WEIGHTED_ND_F32 = cKernel('ecgc_resize_weighted_nd_f32', 'ecgc_resize.c');

const f = Math.fround;

/** `byScale`: the output's size came from scales, not sizes; `roi`: the axis's [start, end] (tf_crop_and_resize). */
type Transform = (x: number, scale: number, inSize: number, outSize: number, byScale: boolean, roi: [number, number]) => number;

const TRANSFORMS: Record<string, Transform> = {
  half_pixel: (x, s) => f(f(f(x + 0.5) / s) - 0.5),
  half_pixel_symmetric: (x, s, inSize, outSize) => {
    const adjustment = f(outSize / f(inSize * s));
    const offset = f(f(inSize / 2) * f(1 - adjustment));
    return f(offset + f(f(f(x + 0.5) / s) - 0.5));
  },
  pytorch_half_pixel: (x, s, _inSize, outSize) => (outSize > 1 ? f(f(f(x + 0.5) / s) - 0.5) : 0),
  // Given scales, the resized length is in * scale unrounded, as ONNX's reference has it (onnxruntime takes the output's size).
  align_corners: (x, s, inSize, outSize, byScale) => {
    const length = byScale ? f(inSize * s) : outSize;
    return length === 1 ? 0 : f(f(x * (inSize - 1)) / f(length - 1));
  },
  asymmetric: (x, s) => f(x / s),
  tf_half_pixel_for_nn: (x, s) => f(f(x + 0.5) / s),
  tf_crop_and_resize: (x, _s, inSize, outSize, _byScale, [start, end]) =>
    outSize > 1 ? f(f(start * (inSize - 1)) + f(f(f(x * f(end - start)) * (inSize - 1)) / (outSize - 1))) : f(f(0.5 * f(start + end)) * (inSize - 1)),
};

/** The input index a nearest resize reads for coordinate c (before clamping). */
const NEAREST: Record<string, (c: number, scale: number) => number> = {
  round_prefer_floor: (c) => (c === Math.floor(c) + 0.5 ? Math.floor(c) : Math.round(c)),
  round_prefer_ceil: (c) => Math.round(c),
  floor: (c) => Math.floor(c),
  ceil: (c) => Math.ceil(c),
  // Resize-10 as onnxruntime reads it: truncate when enlarging, ceil when shrinking.
  simple: (c, scale) => (scale < 1 ? Math.ceil(c) : Math.trunc(c)),
};

/** An interpolation filter: its weight at distance t (in input samples) and how far it reaches. */
interface Filter {
  weight: (t: number) => number;
  support: number;
}

const TRIANGLE: Filter = { weight: (t) => Math.max(0, f(1 - Math.abs(t))), support: 1 };

/** Keys' cubic convolution with coefficient a, in Horner form. */
const cubicFilter = (a: number): Filter => ({
  weight(t) {
    const x = Math.abs(t);
    if (x < 1) return f(f(f(f(f(f(a + 2) * x) - f(a + 3)) * x) * x) + 1);
    if (x < 2) return f(f(f(f(f(f(x - 5) * x) + 8) * x) - 4) * a);
    return 0;
  },
  support: 2,
});

/** Per axis, each output index's `count` taps (input offsets) and weights, one index after the other. */
interface AxisTable {
  count: number;
  taps: number[];
  weights: number[];
}

function geometry(ctx: OpContext) {
  const { node } = ctx;
  const shape = inputShape(ctx, 0);
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') fail(`${where(node)}: mode '${mode}' is not supported (nearest, linear and cubic are)`);
  // Antialias widens linear and cubic filters when shrinking; nearest ignores it.
  const antialias = ctx.opset >= 18 && attrInt(node, 'antialias', 0) !== 0 && mode !== 'nearest';
  const excludeOutside = ctx.opset >= 11 && attrInt(node, 'exclude_outside', 0) !== 0;
  const cubicCoefficient = ctx.opset >= 11 ? f(attrFloat(node, 'cubic_coeff_a', -0.75)) : -0.75;
  const transformName = ctx.opset >= 11 ? attrString(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const transform = TRANSFORMS[transformName] ?? fail(`${where(node)}: coordinate_transformation_mode '${transformName}' is not supported (${Object.keys(TRANSFORMS).join(', ')} are)`);
  const nearestName = ctx.opset >= 11 ? attrString(node, 'nearest_mode', 'round_prefer_floor') : 'simple';
  const nearest = NEAREST[nearestName] ?? fail(`${where(node)}: nearest_mode '${nearestName}' is not supported`);
  const extrapolating = transformName === 'tf_crop_and_resize';
  const extrapolationValue = f(attrFloat(node, 'extrapolation_value', 0));

  const axes = (ctx.opset >= 18 ? attrInts(node, 'axes') : undefined)?.map((a) => normalizeAxis(node, a, shape.length)) ?? shape.map((_, i) => i);
  const [scalesAt, sizesAt] = ctx.opset >= 11 ? [2, 3] : [1, -1];
  const scalesGiven = ctx.inputs[scalesAt] ? Array.from(constantInput(ctx, scalesAt, 'scales').data, f) : [];
  const sizesGiven = sizesAt > 0 && ctx.inputs[sizesAt] ? Array.from(constantInput(ctx, sizesAt, 'sizes').data) : [];
  const scales = shape.map(() => 1);
  const outShape = [...shape];
  if (scalesGiven.length > 0) {
    if (scalesGiven.length !== axes.length || scalesGiven.some((s) => !(s > 0))) fail(`${where(node)}: scales [${scalesGiven.join(', ')}] must be ${axes.length} positive numbers`);
    axes.forEach((axis, i) => {
      scales[axis] = scalesGiven[i];
      outShape[axis] = Math.floor(shape[axis] * scalesGiven[i]);
    });
  } else {
    if (sizesGiven.length !== axes.length || sizesGiven.some((s) => s <= 0)) fail(`${where(node)}: it needs scales or sizes, ${axes.length} positive values`);
    const policy = ctx.opset >= 18 ? attrString(node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
    const ratios = axes.map((axis, i) => f(sizesGiven[i] / shape[axis]));
    if (policy !== 'stretch' && policy !== 'not_larger' && policy !== 'not_smaller') fail(`${where(node)}: keep_aspect_ratio_policy '${policy}' is not supported`);
    const common = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
    axes.forEach((axis, i) => {
      scales[axis] = policy === 'stretch' ? ratios[i] : common;
      outShape[axis] = policy === 'stretch' ? sizesGiven[i] : Math.round(f(common * shape[axis]));
    });
  }
  // roi holds the starts of the axes, then their ends; an axis it does not list is whole.
  const roi: [number, number][] = shape.map(() => [0, 1]);
  if (extrapolating) {
    const values = ctx.inputs[1] ? Array.from(constantInput(ctx, 1, 'roi').data, f) : fail(`${where(node)}: tf_crop_and_resize needs the roi input`);
    if (values.length !== 2 * axes.length) fail(`${where(node)}: roi must hold ${2 * axes.length} values (the starts, then the ends), got ${values.length}`);
    axes.forEach((axis, i) => (roi[axis] = [values[i], values[axes.length + i]]));
  }
  // An axis kept as it is maps each index to itself, as onnxruntime has it (tf_half_pixel_for_nn would shift it);
  // tf_crop_and_resize keeps only an axis it does not crop (onnxruntime would ignore that axis's roi, ONNX's reference does not).
  const kept = (axis: number) => scales[axis] === 1 && outShape[axis] === shape[axis] && (!extrapolating || (roi[axis][0] === 0 && roi[axis][1] === 1));
  /** The input coordinate of each output index along `axis`. */
  const coordinates = (axis: number) =>
    Array.from({ length: outShape[axis] }, (_, x) => (kept(axis) ? x : transform(x, scales[axis], shape[axis], outShape[axis], scalesGiven.length > 0, roi[axis])));
  const clamp = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
  const strides = stridesOf(shape);

  const nearestIndices = () => shape.map((size, axis) => coordinates(axis).map((c) => clamp(nearest(c, scales[axis]), size)));

  function linearTable(axis: number): AxisTable {
    const taps: number[] = [];
    const weights: number[] = [];
    for (const c of coordinates(axis)) {
      const clamped = clamp(c, shape[axis]);
      const x0 = Math.floor(clamped);
      const w1 = f(clamped - x0);
      taps.push(x0 * strides[axis], Math.min(x0 + 1, shape[axis] - 1) * strides[axis]);
      weights.push(f(1 - w1), w1);
    }
    return { count: 2, taps, weights };
  }

  function filterTable(axis: number, filter: Filter): AxisTable {
    const size = shape[axis];
    const scale = antialias ? Math.min(scales[axis], 1) : 1;
    const start = Math.floor(-f(filter.support / scale)) + 1;
    const count = 2 - 2 * start;
    const taps: number[] = [];
    const weights: number[] = [];
    for (const c of coordinates(axis)) {
      const x0 = Math.floor(c);
      const r = f(c - x0);
      const own = Array.from({ length: count }, (_, j) => {
        const inside = x0 + start + j >= 0 && x0 + start + j < size;
        return excludeOutside && !inside ? 0 : filter.weight(f(f(start + j - r) * scale));
      });
      const sum = own.reduce((acc, w) => f(acc + w));
      const normalize = (antialias || excludeOutside) && sum !== 0;
      own.forEach((w, j) => {
        taps.push(clamp(x0 + start + j, size) * strides[axis]);
        weights.push(normalize ? f(w / sum) : w);
      });
    }
    return { count, taps, weights };
  }

  /** Every mode's taps and weights (a kept axis reads its own index); with tf_crop_and_resize, tap -1 marks an index outside the input. */
  function tables(): AxisTable[] {
    const filter = mode === 'cubic' ? cubicFilter(cubicCoefficient) : antialias ? TRIANGLE : undefined;
    const nearestAt = mode === 'nearest' ? nearestIndices() : [];
    return shape.map((size, axis) => {
      let table: AxisTable;
      if (kept(axis)) table = { count: 1, taps: coordinates(axis).map((x) => x * strides[axis]), weights: coordinates(axis).map(() => 1) };
      else if (mode === 'nearest') table = { count: 1, taps: nearestAt[axis].map((i) => i * strides[axis]), weights: nearestAt[axis].map(() => 1) };
      else table = filter ? filterTable(axis, filter) : linearTable(axis);
      if (extrapolating) {
        coordinates(axis).forEach((c, x) => {
          if (c < 0 || c > size - 1) table.taps.fill(-1, x * table.count, (x + 1) * table.count);
        });
      }
      return table;
    });
  }

  return {
    shape,
    outShape,
    mode,
    /** Nearest or linear without antialias nor extrapolation: runtime-c's own kernels for them. */
    plain: !antialias && !extrapolating && mode !== 'cubic',
    extrapolationValue,
    nearestIndices,
    tables,
  };
}

/**
 * The weighted resize as the reference defines it: for each output element (extrapolation_value
 * if an axis's first tap is -1), every combination of its axes' taps (the first axis's tap the
 * most significant digit), each weighed by the product of the weights of its axes of more than
 * one tap in axis order (1 without any), p = fround(w * x); y = p0, then y = fround(y + p).
 */
function weightedKernel(outShape: number[], tables: AxisTable[], extrapolationValue: number): Kernel {
  const rank = outShape.length;
  const counts = tables.map((t) => t.count);
  const combinations = counts.reduce((n, count) => n * count, 1);
  const advance = (index: number[], limits: number[]) => {
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++index[axis] < limits[axis]) break;
      index[axis] = 0;
    }
  };
  return ([x], [y]) => {
    const index = outShape.map(() => 0);
    const tap = outShape.map(() => 0);
    for (let i = 0; i < y.length; i++) {
      if (tables.some((t, axis) => t.taps[t.count * index[axis]] < 0)) y[i] = extrapolationValue;
      else {
        let acc = 0;
        for (let combination = 0; combination < combinations; combination++) {
          let src = 0;
          let w = 1;
          let weighted = false;
          for (let axis = 0; axis < rank; axis++) {
            const t = counts[axis] * index[axis] + tap[axis];
            if (counts[axis] > 1) {
              w = weighted ? f(w * tables[axis].weights[t]) : tables[axis].weights[t];
              weighted = true;
            }
            src += tables[axis].taps[t];
          }
          const p = f(w * x[src]);
          acc = combination === 0 ? p : f(acc + p);
          advance(tap, counts);
        }
        y[i] = acc;
      }
      advance(index, outShape);
    }
  };
}

export const Resize: OpDef = {
  op: 'Resize',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const g = geometry(ctx);
    if (g.plain && g.mode === 'nearest') {
      const strides = stridesOf(g.shape);
      const indices = g.nearestIndices();
      return gatherKernel(indexMap(g.outShape, (index) => index.reduce((sum, v, axis) => sum + indices[axis][v] * strides[axis], 0)));
    }
    return weightedKernel(g.outShape, g.tables(), g.extrapolationValue);
  },
  lower(ctx, _outputs, c) {
    const g = geometry(ctx);
    const rank = g.shape.length;
    const id = c.id('op');
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    const tables = g.tables();
    const linearAxes = tables.flatMap((t, axis) => (t.count > 1 ? [axis] : []));
    // Along the last axis alone (a time series), rows of one kernel: the same steps, taps at stride 1.
    if (g.plain && g.mode === 'linear' && linearAxes.length === 1 && linearAxes[0] === rank - 1) {
      const { taps, weights } = tables[rank - 1];
      c.declare(`static const int32_t ${id}__taps[] = ${ints(taps)};`);
      c.declare(`static const float ${id}__weights[] = {${weights.map(cFloat).join(', ')}};`);
      const [inLength, outLength] = [g.shape[rank - 1], g.outShape[rank - 1]];
      c.step([RESIZE_LINEAR_F32], (at) => `${RESIZE_LINEAR_F32.name}(${at(x)}, ${at(y)}, ${sizeOf(g.shape.slice(0, -1))}, ${inLength}, ${outLength}, ${id}__taps, ${id}__weights);`);
      return;
    }
    if (rank > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${rank} is above the C kernel's ${MAX_C_RANK}`);
    if (g.plain && g.mode === 'nearest') {
      const sources = tables.flatMap((t) => t.taps);
      c.declare(`static const int32_t ${id}__shape[] = ${ints(g.outShape)}, ${id}__sources[] = ${ints(sources)};`);
      c.step([RESIZE_NEAREST_F32], (at) => `${RESIZE_NEAREST_F32.name}(${at(x)}, ${at(y)}, ${id}__shape, ${rank}, ${id}__sources);`);
      return;
    }
    if (g.plain) {
      // ecgc_resize_linear_nd_f32 takes two taps per index on every axis and reads a kept axis's first.
      const pairs = (t: AxisTable, values: number[]) => (t.count === 2 ? values : values.flatMap((v) => [v, v]));
      c.declare(`static const int32_t ${id}__shape[] = ${ints(g.outShape)}, ${id}__taps[] = ${ints(tables.flatMap((t) => pairs(t, t.taps)))};`);
      c.declare(`static const float ${id}__weights[] = {${tables.flatMap((t) => pairs(t, t.weights)).map(cFloat).join(', ')}};`);
      const mask = linearAxes.reduce((m, axis) => m | (1 << axis), 0);
      c.step([RESIZE_LINEAR_ND_F32], (at) => `${RESIZE_LINEAR_ND_F32.name}(${at(x)}, ${at(y)}, ${id}__shape, ${rank}, ${mask}, ${id}__taps, ${id}__weights);`);
      return;
    }
    const counts = tables.map((t) => t.count);
    c.declare(`static const int32_t ${id}__shape[] = ${ints(g.outShape)}, ${id}__counts[] = ${ints(counts)}, ${id}__taps[] = ${ints(tables.flatMap((t) => t.taps))};`);
    c.declare(`static const float ${id}__weights[] = {${tables.flatMap((t) => t.weights).map(cFloat).join(', ')}};`);
    c.step(
      [RESIZE_WEIGHTED_ND_F32],
      (at) => `${RESIZE_WEIGHTED_ND_F32.name}(${at(x)}, ${at(y)}, ${id}__shape, ${rank}, ${id}__counts, ${id}__taps, ${id}__weights, ${cFloat(g.extrapolationValue)});`,
    );
  },
};
