/**
 * Resize (opsets 10..19), scales or sizes constant. Each output coordinate x maps to an input
 * coordinate by coordinate_transformation_mode, in float32 with each operation rounded (as
 * onnxruntime does); an axis kept at its size maps each index to itself. Nearest (any axes): that coordinate rounded by nearest_mode, clamped to
 * the input. Linear (the last axis only; the others keep their size): the coordinate clamped
 * to [0, in - 1], x0 = floor, x1 = min(x0 + 1, in - 1), w1 = c - x0, w0 = 1 - w1, and
 * y = fround(fround(w0 * x[x0]) + fround(w1 * x[x1])). The tables (sources, taps and weights)
 * are computed here once; runtime-c/ecgc_resize.c only reads them, so the C is bit-exact.
 */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { attrInt, attrInts, attrString } from '../onnx/attributes.js';
import { cFloat } from '../util/c.js';
import type { OpContext, OpDef } from './op.js';
import { gatherKernel } from './gather-map.js';
import { cKernel, ints } from './lowering.js';
import { MAX_C_RANK, constantInput, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

const RESIZE_NEAREST_F32 = cKernel('ecgc_resize_nearest_f32', 'ecgc_resize.c');
const RESIZE_LINEAR_F32 = cKernel('ecgc_resize_linear_f32', 'ecgc_resize.c');

const f = Math.fround;

type Transform = (x: number, scale: number, inSize: number, outSize: number) => number;

const TRANSFORMS: Record<string, Transform> = {
  half_pixel: (x, s) => f(f(f(x + 0.5) / s) - 0.5),
  half_pixel_symmetric: (x, s, inSize, outSize) => {
    const adjustment = f(outSize / f(inSize * s));
    const offset = f(f(inSize / 2) * f(1 - adjustment));
    return f(offset + f(f(f(x + 0.5) / s) - 0.5));
  },
  pytorch_half_pixel: (x, s, _inSize, outSize) => (outSize > 1 ? f(f(f(x + 0.5) / s) - 0.5) : 0),
  align_corners: (x, _s, inSize, outSize) => (outSize === 1 ? 0 : f(f(x * (inSize - 1)) / (outSize - 1))),
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
  const coordinates = (axis: number) => Array.from({ length: outShape[axis] }, (_, x) => (kept(axis) ? x : transform(x, scales[axis], shape[axis], outShape[axis])));
  const clamp = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
  const last = shape.length - 1;
  const moved = shape.findIndex((_, axis) => axis !== last && !kept(axis));
  if (mode === 'linear' && moved >= 0) fail(`${where(node)}: linear resize along axis ${moved} is not supported (only the last axis)`);
  return {
    shape,
    outShape,
    mode,
    coordinates,
    /** For each axis, the input index each output index reads. */
    nearestIndices: () => shape.map((size, axis) => coordinates(axis).map((c) => clamp(nearest(c, scales[axis]), size))),
    /** The last axis's two taps and their weights per output index, interleaved. */
    linearTable() {
      const taps: number[] = [];
      const weights: number[] = [];
      for (const c of coordinates(last)) {
        const clamped = clamp(c, shape[last]);
        const x0 = Math.floor(clamped);
        const w1 = f(clamped - x0);
        taps.push(x0, Math.min(x0 + 1, shape[last] - 1));
        weights.push(f(1 - w1), w1);
      }
      return { rows: sizeOf(shape.slice(0, last)), inLength: shape[last], outLength: outShape[last], taps, weights };
    },
  };
}

export const Resize: OpDef = {
  op: 'Resize',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const g = geometry(ctx);
    if (g.mode === 'nearest') {
      const strides = stridesOf(g.shape);
      const indices = g.nearestIndices();
      return gatherKernel(indexMap(g.outShape, (index) => index.reduce((sum, v, axis) => sum + indices[axis][v] * strides[axis], 0)));
    }
    const { rows, inLength, outLength, taps, weights } = g.linearTable();
    return ([x], [y]) => {
      for (let r = 0; r < rows; r++) {
        for (let t = 0; t < outLength; t++) {
          const near = f(weights[2 * t] * x[r * inLength + taps[2 * t]]);
          const far = f(weights[2 * t + 1] * x[r * inLength + taps[2 * t + 1]]);
          y[r * outLength + t] = near + far;
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const g = geometry(ctx);
    const id = c.id('op');
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    if (g.mode === 'nearest') {
      if (g.shape.length > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${g.shape.length} is above the C kernel's ${MAX_C_RANK}`);
      const strides = stridesOf(g.shape);
      const sources = g.nearestIndices().flatMap((indices, axis) => indices.map((i) => i * strides[axis]));
      c.declare(`static const int32_t ${id}__shape[] = ${ints(g.outShape)}, ${id}__sources[] = ${ints(sources)};`);
      c.step([RESIZE_NEAREST_F32], (at) => `${RESIZE_NEAREST_F32.name}(${at(x)}, ${at(y)}, ${id}__shape, ${g.shape.length}, ${id}__sources);`);
      return;
    }
    const { rows, inLength, outLength, taps, weights } = g.linearTable();
    c.declare(`static const int32_t ${id}__taps[] = ${ints(taps)};`);
    c.declare(`static const float ${id}__weights[] = {${weights.map(cFloat).join(', ')}};`);
    c.step([RESIZE_LINEAR_F32], (at) => `${RESIZE_LINEAR_F32.name}(${at(x)}, ${at(y)}, ${rows}, ${inLength}, ${outLength}, ${id}__taps, ${id}__weights);`);
  },
};
