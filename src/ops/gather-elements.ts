/**
 * GatherElements along `axis`: the output has the indices' shape, and element i reads the
 * data at i with indices[i] (negative counting from the end) in place of its index along
 * the axis. Indices constant or computed at run time, as for Gather.
 */
import { fail } from '../errors.js';
import { shapeText } from '../ir/graph.js';
import { attrInt } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { indexIn, indicesOperand } from './gather.js';
import { cKernel, ints } from './lowering.js';
import { MAX_C_RANK, indexMap, inputShape, normalizeAxis, stridesOf, where } from './shapes.js';

const GATHER_ELEMENTS_F32 = cKernel('ecgc_gather_elements_f32', 'ecgc_gather.c');

function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const indexShape = inputShape(ctx, 1);
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', 0), shape.length);
  if (indexShape.length !== shape.length || indexShape.some((d, i) => i !== axis && d > shape[i])) fail(`${where(ctx.node)}: indices of shape ${shapeText(indexShape)} do not fit data of shape ${shapeText(shape)}`);
  if (ctx.constants[1]?.data.some((v) => v < -shape[axis] || v >= shape[axis])) fail(`${where(ctx.node)}: an index is out of range for axis ${axis} of size ${shape[axis]}`);
  return { shape, indexShape, axis, strides: stridesOf(shape) };
}

export const GatherElements: OpDef = {
  op: 'GatherElements',
  integerInputs: [1],
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).indexShape }],
  prepare(ctx) {
    const { shape, indexShape, axis, strides } = geometry(ctx);
    // The offset of each output element with 0 along the axis; the index adds the rest.
    const base = indexMap(indexShape, (index) => index.reduce((sum, v, i) => sum + (i === axis ? 0 : v * strides[i]), 0));
    return ([x, indices], [y]) => {
      for (let i = 0; i < base.length; i++) y[i] = x[base[i] + indexIn(ctx, indices[i], shape[axis]) * strides[axis]];
    };
  },
  lower(ctx, _outputs, c) {
    const { shape, indexShape, axis, strides } = geometry(ctx);
    if (indexShape.length > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${indexShape.length} is above the C kernel's ${MAX_C_RANK}`);
    const id = c.id('op');
    const indices = indicesOperand(ctx, c, id);
    c.declare(`static const int32_t ${id}__shape[] = ${ints(indexShape)}, ${id}__strides[] = ${ints(strides)};`);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([GATHER_ELEMENTS_F32], (at) => `${GATHER_ELEMENTS_F32.name}(${c.operand(x, at)}, ${id}__strides, ${indices(at)}, ${at(y)}, ${id}__shape, ${indexShape.length}, ${axis}, ${shape[axis]});`);
  },
};
