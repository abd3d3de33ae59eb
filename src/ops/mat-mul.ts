/**
 * MatMul with NumPy semantics (batch dimensions broadcast, 1-D operands promoted).
 * Summation order: acc = 0, then acc = fround(acc + fround(a[m, k] * b[k, n])) for k ascending.
 */
import { fail } from '../errors.js';
import { shapeText, sizeOf } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { matrixInputVectors } from './layer.js';
import { lowerLinear } from './linear.js';
import { linearTakesLayer, linearToS8 } from './linear-s8.js';
import { broadcastIndexMap, broadcastShapes, inputShape, where } from './shapes.js';

const MATMUL_F32 = cKernel('ecgc_matmul_f32', 'ecgc_matmul.c');

export function geometry(ctx: OpContext) {
  const a0 = inputShape(ctx, 0);
  const b0 = inputShape(ctx, 1);
  if (a0.length === 0 || b0.length === 0) fail(`${where(ctx.node)}: MatMul needs operands of rank 1 or more`);
  const a = a0.length === 1 ? [1, a0[0]] : a0;
  const b = b0.length === 1 ? [b0[0], 1] : b0;
  const [M, K] = a.slice(-2);
  const [Kb, N] = b.slice(-2);
  if (K !== Kb) fail(`${where(ctx.node)}: ${shapeText(a0)} and ${shapeText(b0)} do not multiply`);
  const batch = broadcastShapes(ctx.node, a.slice(0, -2), b.slice(0, -2));
  const outShape = [...batch, ...(a0.length === 1 ? [] : [M]), ...(b0.length === 1 ? [] : [N])];
  // Offsets of each batch's matrices, as broadcast index maps over the batch shape.
  const aBatch = broadcastIndexMap(a.slice(0, -2), batch);
  const bBatch = broadcastIndexMap(b.slice(0, -2), batch);
  return { M, K, N, batch: sizeOf(batch), aBatch, bBatch, outShape };
}

export const MatMul: OpDef = {
  op: 'MatMul',
  // x [M, K] by a constant [K, N]
  integer: {
    lower: (ic) => linearToS8(ic, undefined),
    takesLayer: (ctx) => ctx.constants[1]?.shape.length === 2 && linearTakesLayer(ctx, undefined, ctx.constants[1].shape[1]),
  },
  infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
  macs(ctx) {
    const { M, K, N, batch } = geometry(ctx);
    return batch * M * K * N;
  },
  prepare(ctx) {
    const { M, K, N, batch, aBatch, bBatch } = geometry(ctx);
    const f = Math.fround;
    return ([a, b], [y]) => {
      for (let p = 0; p < batch; p++) {
        const aBase = aBatch[p] * M * K;
        const bBase = bBatch[p] * K * N;
        const yBase = p * M * N;
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let acc = 0;
            for (let k = 0; k < K; k++) acc = f(acc + f(a[aBase + m * K + k] * b[bBase + k * N + n]));
            y[yBase + m * N + n] = acc;
          }
        }
      }
    };
  },
  affine: (ctx) => ctx.constants[0] !== undefined || ctx.constants[1] !== undefined,
  gradient(ctx) {
    const { M, K, N, batch, aBatch, bBatch } = geometry(ctx);
    return ([a, b], _outputs, [gy], [ga, gb]) => {
      for (let p = 0; p < batch; p++) {
        const [aBase, bBase, yBase] = [aBatch[p] * M * K, bBatch[p] * K * N, p * M * N];
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            const g = gy[yBase + m * N + n];
            if (g === 0) continue;
            for (let k = 0; k < K; k++) {
              if (ga) ga[aBase + m * K + k] += g * b[bBase + k * N + n];
              if (gb) gb[bBase + k * N + n] += g * a[aBase + m * K + k];
            }
          }
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const g = geometry(ctx);
    const [a, b] = ctx.node.inputs;
    if (ctx.constants[1]) {
      // A constant B [K, N] is a layer: ecgc_linear_f32 over the batch's rows.
      if (ctx.constants[1].shape.length !== 2) fail(`${where(ctx.node)}: MatMul with a batched constant has no C kernel`);
      lowerLinear(ctx, c, g.batch * g.M, g.K, g.N, undefined);
      return;
    }
    if (ctx.constants[0]) fail(`${where(ctx.node)}: MatMul with a constant first operand has no C kernel`);
    const [aShape, bShape] = [inputShape(ctx, 0), inputShape(ctx, 1)];
    for (const shape of [aShape, bShape]) {
      if (sizeOf(shape.slice(0, -2)) !== g.batch && sizeOf(shape.slice(0, -2)) !== 1) fail(`${where(ctx.node)}: this batch broadcast has no C kernel`);
    }
    const step = (shape: number[], size: number) => (sizeOf(shape.slice(0, -2)) === 1 ? 0 : size);
    const y = ctx.node.outputs[0];
    c.step([MATMUL_F32], (at) => `${MATMUL_F32.name}(${at(a)}, ${at(b)}, ${at(y)}, ${g.batch}, ${g.M}, ${g.K}, ${g.N}, ${step(aShape, g.M * g.K)}, ${step(bShape, g.K * g.N)});`);
  },
  layer: {
    weight: 1,
    // B [K, N]: a row is a column; a following Add keeps its own float32 bias
    layout: (_node, shape) => (shape.length !== 2 || shape[1] < 1 ? undefined : { rows: shape[1], transposed: true }),
    foldsAffine: () => false,
    inputVectors: (ctx, rowLength) => matrixInputVectors(sizeOf(ctx.inputs[0]?.shape ?? []), rowLength, false),
  },
};
