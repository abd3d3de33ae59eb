/**
 * Element-wise ops of two inputs with NumPy broadcasting. Float32 results are rounded once
 * (storing into a Float32Array rounds); int64 constants (shape arithmetic) use `integer`.
 * In C, one kernel for the four arithmetic ops: runtime-c/ecgc_binary.c, `cOp` its operator;
 * the others (comparisons, logic, Max/Min, PRelu) one function each in ecgc_broadcast.c.
 */
import { fail } from '../errors.js';
import { type DType, DTYPES, type DTypeInfo, isFloat, sizeOf } from '../ir/graph.js';
import { type CKernel, type Lowering, cKernel, ints } from './lowering.js';
import type { Kernel, OpContext, OpDef } from './op.js';
import { broadcastIndexMap, broadcastShapes, broadcastStrides, inputShape, MAX_C_RANK, where } from './shapes.js';

export const BINARY_F32 = cKernel('ecgc_binary_f32', 'ecgc_binary.c');

/** A kernel of ecgc_broadcast.c. */
export const broadcastKernel = (name: string) => cKernel(name, 'ecgc_broadcast.c');

/** y[i] = fn(a, b) over the output, each operand read where broadcasting puts it. */
export function prepareBinary(ctx: OpContext, outShape: readonly number[], fn: (a: number, b: number) => number): Kernel {
  const size = sizeOf(outShape);
  const aShape = inputShape(ctx, 0);
  const bShape = inputShape(ctx, 1);
  if (sizeOf(aShape) === size && sizeOf(bShape) === size) {
    return ([a, b], [y]) => {
      for (let i = 0; i < size; i++) y[i] = fn(a[i], b[i]);
    };
  }
  if (sizeOf(aShape) === size && sizeOf(bShape) === 1) {
    return ([a, b], [y]) => {
      const s = b[0];
      for (let i = 0; i < size; i++) y[i] = fn(a[i], s);
    };
  }
  const aIndex = broadcastIndexMap(aShape, outShape);
  const bIndex = broadcastIndexMap(bShape, outShape);
  return ([a, b], [y]) => {
    for (let i = 0; i < size; i++) y[i] = fn(a[aIndex[i]], b[bIndex[i]]);
  };
}

/**
 * For runtime-c's strided kernels: declares `shape` and the element strides of each of
 * `operands` (shapes) read as `shape` (0 along broadcast dimensions), named `<id>__shape`
 * and `<id>__a`, `<id>__b`, ... in order.
 */
export function declareStrides(ctx: OpContext, c: Lowering, shape: readonly number[], operands: readonly (readonly number[])[]): { shape: string; strides: string[]; rank: number } {
  if (shape.length > MAX_C_RANK) fail(`${where(ctx.node)}: rank ${shape.length} is above the C kernel's ${MAX_C_RANK}`);
  const id = c.id('op');
  const names = operands.map((_, i) => `${id}__${i < 26 ? String.fromCharCode(97 + i) : `s${i}`}`);
  const arrays = operands.map((operand, i) => {
    const strides = broadcastStrides(operand, shape);
    return `${names[i]}[] = ${ints(strides.length ? strides : [0])}`;
  });
  c.declare(`static const int32_t ${id}__shape[] = ${ints(shape.length ? shape : [1])}, ${arrays.join(', ')};`);
  return { shape: `${id}__shape`, strides: names, rank: Math.max(1, shape.length) };
}

/** One call of a two-operand strided kernel, `leading` its first arguments (ecgc_binary_f32's operator); `bArray`: a C array read in place of the second operand. */
export function lowerBinary(ctx: OpContext, shape: readonly number[], c: Lowering, kernel: CKernel, leading = '', bArray?: string): void {
  const [a, b] = ctx.node.inputs;
  const declared = declareStrides(ctx, c, shape, [inputShape(ctx, 0), inputShape(ctx, 1)]);
  // In place only when the first operand has the output's shape and type (no broadcast along it).
  const inPlace = !ctx.constants[0] && sizeOf(inputShape(ctx, 0)) === sizeOf(shape) && ctx.inputs[0]!.dtype === ctx.inputs[1]!.dtype;
  c.step([kernel], (at) => `${kernel.name}(${leading}${c.operand(a, at)}, ${declared.strides[0]}, ${bArray ?? c.operand(b, at)}, ${declared.strides[1]}, ${at(ctx.node.outputs[0])}, ${declared.shape}, ${declared.rank});`, { inPlace });
}

export function binaryOp(op: string, cOp: string | undefined, float: (a: number, b: number) => number, integer: (a: number, b: number) => number = float): OpDef {
  return {
    op,
    infer(ctx) {
      const shape = broadcastShapes(ctx.node, inputShape(ctx, 0), inputShape(ctx, 1));
      return [{ dtype: ctx.inputs[0]!.dtype, shape }];
    },
    prepare: (ctx, [out]) => prepareBinary(ctx, out.shape, isFloat(out.dtype) ? float : integer),
    lower: cOp ? (ctx, [out], c) => lowerBinary(ctx, out.shape, c, BINARY_F32, `${cOp}, `) : undefined,
  };
}

/**
 * A comparison (Less, Equal, ...) or logic op (And, Or, Xor): two inputs of one type of the `accepts` kinds
 * broadcast into bool, 1 where `test` holds. In C, the kernel for the inputs' type
 * (`<kernel>_f32`, `<kernel>_bool`) when runtime-c has one.
 */
export function predicateOp(op: string, kernel: string, accepts: readonly DTypeInfo['kind'][], test: (a: number, b: number) => boolean, cTypes: readonly DType[]): OpDef {
  const checked = (ctx: OpContext) => {
    const [a, b] = [ctx.inputs[0]?.dtype, ctx.inputs[1]?.dtype];
    if (a !== b || !accepts.includes(DTYPES[a!].kind)) fail(`${where(ctx.node)}: inputs of types ${a} and ${b} are not supported (${accepts.join(' or ')} types, both the same)`);
    return a!;
  };
  return {
    op,
    cTypes: ['bool'],
    infer(ctx) {
      checked(ctx);
      return [{ dtype: 'bool', shape: broadcastShapes(ctx.node, inputShape(ctx, 0), inputShape(ctx, 1)) }];
    },
    prepare: (ctx, [out]) => prepareBinary(ctx, out.shape, (a, b) => +test(a, b)),
    lower(ctx, [out], c) {
      const type = checked(ctx);
      if (!cTypes.includes(type)) fail(`${where(ctx.node)}: inputs of type ${type} have no C kernel (${cTypes.join(', ')} have)`);
      lowerBinary(ctx, out.shape, c, broadcastKernel(`${kernel}_${type === 'float32' ? 'f32' : type}`));
    },
  };
}
