/**
 * MatMulInteger (ONNX 10): MatMul on 8-bit integers, exactly: sum over k of
 * (a[m, k] - a_zero_point) * (b[k, n] - b_zero_point), an int32. a's zero point is one value
 * or one per row of a, b's one value or one per column of b. QLinearMatMul
 * (src/ops/q-linear-mat-mul.ts) requantizes the same sums. No C kernel.
 */
import type { TensorData } from '../ir/graph.js';
import { sizeOf } from '../ir/graph.js';
import { fail } from '../errors.js';
import { geometry } from './mat-mul.js';
import type { OpContext, OpDef } from './op.js';
import { where } from './shapes.js';

/** Where a quantized MatMul's operands are among its node's inputs. */
export interface IntegerMatMulInputs {
  a: number;
  aZero: number;
  b: number;
  bZero: number;
}

/** The node seen as a MatMul (a, b at 0, 1), for its geometry. */
export function asMatMul(ctx: OpContext, at: IntegerMatMulInputs): OpContext {
  const pick = <T>(list: T[]) => [list[at.a], list[at.b]];
  return { ...ctx, inputs: pick(ctx.inputs), constants: pick(ctx.constants) };
}

/** How a per-row (or per-column) parameter of `count` values is indexed: one value for all, or one each. */
export function perIndex(ctx: OpContext, input: number, count: number, what: string): (i: number) => number {
  const n = ctx.inputs[input] ? sizeOf(ctx.inputs[input]!.shape) : 1;
  if (n === 1) return () => 0;
  if (n !== count) fail(`${where(ctx.node)}: ${what} must be one value or ${count}; it has ${n}`);
  return (i) => i;
}

/** The exact integer sums of a quantized MatMul, and the geometry they follow. */
export function integerMatMul(ctx: OpContext, at: IntegerMatMulInputs): { g: ReturnType<typeof geometry>; run(inputs: TensorData[], sums: TensorData): void } {
  const g = geometry(asMatMul(ctx, at));
  const { M, K, N, batch, aBatch, bBatch } = g;
  const [aRow, bColumn] = [perIndex(ctx, at.aZero, M, "a's zero point"), perIndex(ctx, at.bZero, N, "b's zero point")];
  return {
    g,
    run(inputs, sums) {
      const [a, b, aZero, bZero] = [inputs[at.a], inputs[at.b], inputs[at.aZero], inputs[at.bZero]];
      for (let p = 0; p < batch; p++) {
        const [aBase, bBase, yBase] = [aBatch[p] * M * K, bBatch[p] * K * N, p * M * N];
        for (let m = 0; m < M; m++) {
          const za = aZero ? aZero[aRow(m)] : 0;
          for (let n = 0; n < N; n++) {
            const zb = bZero ? bZero[bColumn(n)] : 0;
            let acc = 0;
            for (let k = 0; k < K; k++) acc += (a[aBase + m * K + k] - za) * (b[bBase + k * N + n] - zb);
            sums[yBase + m * N + n] = acc | 0;
          }
        }
      }
    },
  };
}

const AT: IntegerMatMulInputs = { a: 0, b: 1, aZero: 2, bZero: 3 };

export const MatMulInteger: OpDef = {
  op: 'MatMulInteger',
  infer: (ctx) => [{ dtype: 'int32', shape: geometry(asMatMul(ctx, AT)).outShape }],
  macs(ctx) {
    const { M, K, N, batch } = geometry(asMatMul(ctx, AT));
    return batch * M * K * N;
  },
  prepare(ctx) {
    const { run } = integerMatMul(ctx, AT);
    return (inputs, [y]) => run(inputs, y);
  },
};
