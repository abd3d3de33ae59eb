/**
 * Pad with constant pads (inputs from opset 11, with the axes they apply to from opset 18;
 * attributes pads and value before); modes constant, edge and reflect. Negative pads crop.
 */
import { fail } from '../errors.js';
import { attrFloat, attrInts, attrString } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { cFloat } from '../util/c.js';
import { gatherKernel } from './gather-map.js';
import { cKernel, ints } from './lowering.js';
import { constantInput, indexMap, inputShape, MAX_C_RANK, normalizeAxis, stridesOf, where } from './shapes.js';
import { scatterGradient } from './gradient.js';

const PAD_F32 = cKernel('ecgc_pad_f32', 'ecgc_pad.c');
const MODES = { constant: 'ECGC_PAD_CONSTANT', edge: 'ECGC_PAD_EDGE', reflect: 'ECGC_PAD_REFLECT' };

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const given = ctx.opset < 11 ? (attrInts(ctx.node, 'pads') ?? []) : Array.from(constantInput(ctx, 1, 'pads').data);
  // the axes the pads apply to (all by default): pads are [begin of each, end of each]
  const axes = ctx.inputs[3] ? Array.from(constantInput(ctx, 3, 'axes').data, (a) => normalizeAxis(ctx.node, a, shape.length)) : shape.map((_, i) => i);
  if (given.length !== 2 * axes.length) fail(`${where(ctx.node)}: pads must have ${2 * axes.length} values, got ${given.length}`);
  const pads = new Array<number>(2 * shape.length).fill(0);
  axes.forEach((axis, i) => {
    pads[axis] = given[i];
    pads[axis + shape.length] = given[i + axes.length];
  });
  const mode = attrString(ctx.node, 'mode', 'constant') as keyof typeof MODES;
  if (!(mode in MODES)) fail(`${where(ctx.node)}: mode '${mode}' is not supported (constant, edge, reflect)`);
  const value = ctx.opset < 11 ? attrFloat(ctx.node, 'value', 0) : ctx.inputs[2] ? constantInput(ctx, 2, 'constant_value').data[0] : 0;
  const begin = pads.slice(0, shape.length);
  const outShape = shape.map((d, i) => d + pads[i] + pads[i + shape.length]);
  if (outShape.some((d) => d < 0)) fail(`${where(ctx.node)}: pads crop more than the input holds`);
  if (mode === 'reflect' && shape.some((d, i) => (begin[i] > 0 || pads[i + shape.length] > 0) && (pads[i] >= d || pads[i + shape.length] >= d))) {
    fail(`${where(ctx.node)}: reflect pads must be smaller than the padded dimension`);
  }
  return { shape, begin, outShape, mode, value };
}

export const Pad: OpDef = {
  op: 'Pad',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare: (ctx) => gatherKernel(sourceMap(ctx), geometry(ctx).value),
  gradient: (ctx) => scatterGradient(sourceMap(ctx)),
  lower(ctx, _outputs, c) {
    const { shape, begin, outShape, mode, value } = geometry(ctx);
    if (shape.length > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${shape.length} is above the C kernel's ${MAX_C_RANK}`);
    const id = c.id('op');
    c.declare(`static const int32_t ${id}__in[] = ${ints(shape)}, ${id}__out[] = ${ints(outShape)}, ${id}__begin[] = ${ints(begin)};`);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([PAD_F32], (at) => `${PAD_F32.name}(${at(x)}, ${id}__in, ${at(y)}, ${id}__out, ${id}__begin, ${shape.length}, ${MODES[mode]}, ${cFloat(value)});`);
  },
};

/** For each output element, the input element it copies (-1: the constant). */
function sourceMap(ctx: OpContext): Int32Array {
  const { shape, begin, outShape, mode } = geometry(ctx);
  const strides = stridesOf(shape);
  const source = (i: number, d: number): number => {
    if (i >= 0 && i < d) return i;
    if (mode === 'constant') return -1;
    if (mode === 'edge') return i < 0 ? 0 : d - 1;
    return i < 0 ? -i : 2 * (d - 1) - i; // reflect, without repeating the edge
  };
  return indexMap(outShape, (index) => {
    let offset = 0;
    for (let i = 0; i < shape.length; i++) {
      const s = source(index[i] - begin[i], shape[i]);
      if (s < 0) return -1;
      offset += s * strides[i];
    }
    return offset;
  });
}
