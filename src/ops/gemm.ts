/**
 * Gemm: Y = alpha * A' B' + beta * C with A' = transA ? A^T : A, B' likewise.
 *
 * Summation order: with alpha = beta = 1 (torch's Linear), the accumulator for Y[m, n]
 * starts at C[m, n] (broadcast; 0 without C) and adds fround(A'[m, k] * B'[k, n]) for k
 * ascending. Otherwise the products are summed from 0, then acc = fround(alpha * acc)
 * and fround(acc + fround(beta * C)).
 */
import { fail } from '../errors.js';
import { attrFloat, attrInt } from '../onnx/attributes.js';
import { shapeText, sizeOf } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { matrixInputVectors } from './layer.js';
import { lowerLinear } from './linear.js';
import { linearTakesLayer, linearToS8 } from './linear-s8.js';
import { broadcastIndexMap, broadcastShapes, requireRank, where } from './shapes.js';

export function geometry(ctx: OpContext) {
  const a = requireRank(ctx, 0, [2], 'A');
  const b = requireRank(ctx, 1, [2], 'B');
  const transA = attrInt(ctx.node, 'transA', 0) === 1;
  const transB = attrInt(ctx.node, 'transB', 0) === 1;
  const [M, K] = transA ? [a[1], a[0]] : a;
  const [Kb, N] = transB ? [b[1], b[0]] : b;
  if (K !== Kb) fail(`${where(ctx.node)}: A ${shapeText(a)} and B ${shapeText(b)} do not multiply (transA=${+transA}, transB=${+transB})`);
  const c = ctx.inputs[2];
  if (c) {
    const shape = broadcastShapes(ctx.node, c.shape, [M, N]);
    if (shape.length !== 2 || shape[0] !== M || shape[1] !== N) fail(`${where(ctx.node)}: C ${shapeText(c.shape)} does not broadcast to [${M}, ${N}]`);
  }
  return { M, K, N, transA, transB, cShape: c?.shape };
}

export const Gemm: OpDef = {
  op: 'Gemm',
  integer: {
    lower: (ic) => linearToS8(ic, 2),
    // alpha and beta 1, A not transposed
    takesLayer: (ctx) => attrFloat(ctx.node, 'alpha', 1) === 1 && attrFloat(ctx.node, 'beta', 1) === 1 && !geometry(ctx).transA && linearTakesLayer(ctx, 2, geometry(ctx).N),
  },
  infer(ctx) {
    const { M, N } = geometry(ctx);
    return [{ dtype: 'float32', shape: [M, N] }];
  },
  macs(ctx) {
    const { M, K, N } = geometry(ctx);
    return M * K * N;
  },
  prepare(ctx) {
    const { M, K, N, transA, transB, cShape } = geometry(ctx);
    const alpha = Math.fround(attrFloat(ctx.node, 'alpha', 1));
    const beta = Math.fround(attrFloat(ctx.node, 'beta', 1));
    const cIndex = cShape ? broadcastIndexMap(cShape, [M, N]) : undefined;
    const biasFirst = alpha === 1 && beta === 1;
    // Element strides of the m and k indices in A, and of k and n in B.
    const [aM, aK] = transA ? [1, M] : [K, 1];
    const [bK, bN] = transB ? [1, K] : [N, 1];
    const f = Math.fround;
    return ([a, b, c], [y]) => {
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          const cValue = cIndex ? c[cIndex[m * N + n]] : 0;
          let acc = biasFirst ? cValue : 0;
          for (let k = 0; k < K; k++) acc = f(acc + f(a[m * aM + k * aK] * b[k * bK + n * bN]));
          if (!biasFirst) {
            acc = f(alpha * acc);
            if (cIndex) acc = f(acc + f(beta * cValue));
          }
          y[m * N + n] = acc;
        }
      }
    };
  },
  affine: (ctx) => ctx.constants[1] !== undefined && (!ctx.inputs[2] || ctx.constants[2] !== undefined),
  gradient(ctx) {
    const { M, K, N, transA, transB, cShape } = geometry(ctx);
    const alpha = Math.fround(attrFloat(ctx.node, 'alpha', 1));
    const beta = Math.fround(attrFloat(ctx.node, 'beta', 1));
    const cIndex = cShape ? broadcastIndexMap(cShape, [M, N]) : undefined;
    const [aM, aK] = transA ? [1, M] : [K, 1];
    const [bK, bN] = transB ? [1, K] : [N, 1];
    return ([a, b], _outputs, [gy], [ga, gb, gc]) => {
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          const g = gy[m * N + n];
          if (g === 0) continue;
          if (gc && cIndex) gc[cIndex[m * N + n]] += beta * g;
          for (let k = 0; k < K; k++) {
            if (ga) ga[m * aM + k * aK] += alpha * g * b[k * bK + n * bN];
            if (gb) gb[k * bK + n * bN] += alpha * g * a[m * aM + k * aK];
          }
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const g = geometry(ctx);
    if (attrFloat(ctx.node, 'alpha', 1) !== 1 || attrFloat(ctx.node, 'beta', 1) !== 1 || g.transA) fail(`${where(ctx.node)}: Gemm with alpha or beta other than 1, or transA, has no C kernel`);
    if (!ctx.constants[1]) fail(`${where(ctx.node)}: Gemm's B must be a constant to compile to C`);
    lowerLinear(ctx, c, g.M, g.K, g.N, ctx.inputs[2] ? 2 : undefined);
  },
  layer: {
    weight: 1,
    bias: 2,
    layout(node, shape) {
      if (shape.length !== 2) return undefined;
      const transposed = attrInt(node, 'transB', 0) === 0; // B [K, N]: a row is a column
      const rows = transposed ? shape[1] : shape[0];
      return rows < 1 ? undefined : { rows, transposed };
    },
    foldsAffine: (node) => (node.attrs.alpha ?? 1) === 1 && (node.attrs.beta ?? 1) === 1 && attrInt(node, 'transA', 0) === 0,
    inputVectors: (ctx, rowLength) => matrixInputVectors(sizeOf(ctx.inputs[0]?.shape ?? []), rowLength, attrInt(ctx.node, 'transA', 0) === 1),
  },
};
