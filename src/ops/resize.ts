/**
 * Resize (opsets 10..19), scales or sizes constant. Each output coordinate x maps to an input
 * coordinate by coordinate_transformation_mode, in float32 with each operation rounded (as
 * onnxruntime does); an axis kept at its size maps each index to itself. Nearest: that
 * coordinate rounded by nearest_mode, clamped to the input. Linear: per axis, the coordinate
 * clamped to [0, in - 1], x0 = floor, x1 = min(x0 + 1, in - 1), w1 = c - x0, w0 = 1 - w1,
 * the corners weighed as linearKernel says (along one axis, y = fround(fround(w0 * x[x0]) +
 * fround(w1 * x[x1]))). The tables (sources, taps and weights) are computed here once;
 * runtime-c/ecgc_resize.c only reads them, so the C is bit-exact.
 */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { attrInt, attrInts, attrString } from '../onnx/attributes.js';
import { cFloat } from '../util/c.js';
import type { Kernel, OpContext, OpDef } from './op.js';
import { gatherKernel } from './gather-map.js';
import { cKernel, ints } from './lowering.js';
import { MAX_C_RANK, constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

const RESIZE_NEAREST_F32 = cKernel('ecgc_resize_nearest_f32', 'ecgc_resize.c');
const RESIZE_LINEAR_F32 = cKernel('ecgc_resize_linear_f32', 'ecgc_resize.c');
const RESIZE_LINEAR_ND_F32 = cKernel('ecgc_resize_linear_nd_f32', 'ecgc_resize.c');

const f = Math.fround;

/** `byScale`: the output's size came from scales, not sizes. */
type Transform = (x: number, scale: number, inSize: number, outSize: number, byScale: boolean) => number;

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

function geometry(ctx: OpContext) {
  const { node } = ctx;
  const shape = inputShape(ctx, 0);
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') fail(`${where(node)}: mode '${mode}' is not supported (nearest and linear are)`);
  if (ctx.opset >= 18 && attrInt(node, 'antialias', 0) !== 0) fail(`${where(node)}: antialias is not supported`);
  const transformName = ctx.opset >= 11 ? attrString(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const transform = TRANSFORMS[transformName] ?? fail(`${where(node)}: coordinate_transformation_mode '${transformName}' is not supported (${Object.keys(TRANSFORMS).join(', ')} are)`);
  const nearestName = ctx.opset >= 11 ? attrString(node, 'nearest_mode', 'round_prefer_floor') : 'simple';
  const nearest = NEAREST[nearestName] ?? fail(`${where(node)}: nearest_mode '${nearestName}' is not supported`);

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
  // An axis kept as it is maps each index to itself, as onnxruntime has it (tf_half_pixel_for_nn would shift it).
  const kept = (axis: number) => scales[axis] === 1 && outShape[axis] === shape[axis];
  /** The input coordinate of each output index along `axis`. */
  const coordinates = (axis: number) => Array.from({ length: outShape[axis] }, (_, x) => (kept(axis) ? x : transform(x, scales[axis], shape[axis], outShape[axis], scalesGiven.length > 0)));
  const clamp = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
  return {
    shape,
    outShape,
    mode,
    /** For each axis, the input index each output index reads. */
    nearestIndices: () => shape.map((size, axis) => coordinates(axis).map((c) => clamp(nearest(c, scales[axis]), size))),
    /**
     * Per axis, two taps (input offsets: index times stride) and two weights per output index,
     * interleaved; the axes interpolated are those not kept (a kept one reads its first tap).
     */
    linearTables() {
      const strides = stridesOf(shape);
      const tables = shape.map((size, axis) => {
        const taps: number[] = [];
        const weights: number[] = [];
        for (const c of coordinates(axis)) {
          const clamped = clamp(c, size);
          const x0 = Math.floor(clamped);
          const w1 = f(clamped - x0);
          taps.push(x0 * strides[axis], Math.min(x0 + 1, size - 1) * strides[axis]);
          weights.push(f(1 - w1), w1);
        }
        return { taps, weights };
      });
      return { tables, linearAxes: shape.map((_, axis) => axis).filter((axis) => !kept(axis)) };
    },
  };
}

/**
 * Linear resize as the reference defines it: for each output element, its 2^k corners over
 * the k interpolated axes (the first axis's tap the most significant bit), each weighed by
 * the product of its axes' weights in axis order, p = fround(w * x); y = p0, then y = fround(y + p).
 */
function linearKernel(outShape: number[], tables: { taps: number[]; weights: number[] }[], linearAxes: number[]): Kernel {
  const k = linearAxes.length;
  const isLinear = outShape.map((_, axis) => linearAxes.includes(axis));
  return ([x], [y]) => {
    const index = outShape.map(() => 0);
    for (let i = 0; i < y.length; i++) {
      let acc = 0;
      for (let corner = 0; corner < 1 << k; corner++) {
        let src = 0;
        let w = 1;
        let bit = k;
        let first = true;
        for (let axis = 0; axis < outShape.length; axis++) {
          let t = 2 * index[axis];
          if (isLinear[axis]) {
            t += (corner >> --bit) & 1;
            w = first ? tables[axis].weights[t] : f(w * tables[axis].weights[t]);
            first = false;
          }
          src += tables[axis].taps[t];
        }
        const p = f(w * x[src]);
        acc = corner === 0 ? p : f(acc + p);
      }
      y[i] = acc;
      for (let axis = outShape.length - 1; axis >= 0; axis--) {
        if (++index[axis] < outShape[axis]) break;
        index[axis] = 0;
      }
    }
  };
}

export const Resize: OpDef = {
  op: 'Resize',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const g = geometry(ctx);
    if (g.mode === 'linear') {
      const { tables, linearAxes } = g.linearTables();
      return linearKernel(g.outShape, tables, linearAxes);
    }
    const strides = stridesOf(g.shape);
    const indices = g.nearestIndices();
    return gatherKernel(indexMap(g.outShape, (index) => index.reduce((sum, v, axis) => sum + indices[axis][v] * strides[axis], 0)));
  },
  lower(ctx, _outputs, c) {
    const g = geometry(ctx);
    const rank = g.shape.length;
    const id = c.id('op');
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    if (g.mode === 'linear') {
      const { tables, linearAxes } = g.linearTables();
      // Along the last axis alone (a time series), rows of one kernel: the same steps, taps at stride 1.
      if (linearAxes.length === 1 && linearAxes[0] === rank - 1) {
        const { taps, weights } = tables[rank - 1];
        c.declare(`static const int32_t ${id}__taps[] = ${ints(taps)};`);
        c.declare(`static const float ${id}__weights[] = {${weights.map(cFloat).join(', ')}};`);
        const [inLength, outLength] = [g.shape[rank - 1], g.outShape[rank - 1]];
        c.step([RESIZE_LINEAR_F32], (at) => `${RESIZE_LINEAR_F32.name}(${at(x)}, ${at(y)}, ${sizeOf(g.shape.slice(0, -1))}, ${inLength}, ${outLength}, ${id}__taps, ${id}__weights);`);
        return;
      }
      if (rank > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${rank} is above the C kernel's ${MAX_C_RANK}`);
      c.declare(`static const int32_t ${id}__shape[] = ${ints(g.outShape)}, ${id}__taps[] = ${ints(tables.flatMap((t) => t.taps))};`);
      c.declare(`static const float ${id}__weights[] = {${tables.flatMap((t) => t.weights).map(cFloat).join(', ')}};`);
      const mask = linearAxes.reduce((m, axis) => m | (1 << axis), 0);
      c.step([RESIZE_LINEAR_ND_F32], (at) => `${RESIZE_LINEAR_ND_F32.name}(${at(x)}, ${at(y)}, ${id}__shape, ${rank}, ${mask}, ${id}__taps, ${id}__weights);`);
      return;
    }
    if (rank > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${rank} is above the C kernel's ${MAX_C_RANK}`);
    const strides = stridesOf(g.shape);
    const sources = g.nearestIndices().flatMap((indices, axis) => indices.map((i) => i * strides[axis]));
    c.declare(`static const int32_t ${id}__shape[] = ${ints(g.outShape)}, ${id}__sources[] = ${ints(sources)};`);
    c.step([RESIZE_NEAREST_F32], (at) => `${RESIZE_NEAREST_F32.name}(${at(x)}, ${at(y)}, ${id}__shape, ${rank}, ${id}__sources);`);
  },
};
