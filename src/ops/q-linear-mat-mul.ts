/**
 * QLinearMatMul (ONNX 10, 21): MatMul on quantized tensors, as ONNX's reference defines it:
 * the exact integer sums of MatMulInteger (src/ops/mat-mul-integer.ts) times
 * a_scale * b_scale / y_scale (computed in the scales' type, float32 or float16), plus
 * y_zero_point, saturated and rounded half to even. Scales and zero points per tensor, a's
 * also per row and b's per column.
 *
 * No C kernel of its own: with a constant b, its input quantized by the model, the import takes
 * it in QDQ form (qdqForm), which becomes LinearS8 (src/model/passes/absorb-quantization.ts).
 */
import { castTo } from '../ir/formats.js';
import { type IntegerMatMulInputs, asMatMul, integerMatMul, perIndex } from './mat-mul-integer.js';
import { MatMul, geometry } from './mat-mul.js';
import type { OpDef } from './op.js';
import { qdqForm, quantizedOutput, requantizeExactly } from './q-linear-conv.js';

const Q_LINEAR_MAT_MUL: IntegerMatMulInputs & { aScale: number; bScale: number; yScale: number; yZero: number } = { a: 0, aScale: 1, aZero: 2, b: 3, bScale: 4, bZero: 5, yScale: 6, yZero: 7 };
const AS_QDQ = { x: 0, xScale: 1, xZero: 2, w: 3, wScale: 4, wZero: 5, yScale: 6, yZero: 7 };

export const QLinearMatMul: OpDef = {
  op: 'QLinearMatMul',
  infer: (ctx) => [{ dtype: quantizedOutput(ctx, Q_LINEAR_MAT_MUL.yZero), shape: geometry(asMatMul(ctx, Q_LINEAR_MAT_MUL)).outShape }],
  // b's scales per column: axis 1 of [K, N]
  dequantized: (graph, node) => qdqForm(graph, node, AS_QDQ, MatMul.op, 1),
  macs(ctx) {
    const { M, K, N, batch } = geometry(asMatMul(ctx, Q_LINEAR_MAT_MUL));
    return batch * M * K * N;
  },
  prepare(ctx) {
    const at = Q_LINEAR_MAT_MUL;
    const { g, run } = integerMatMul(ctx, at);
    const [aRow, bColumn] = [perIndex(ctx, at.aScale, g.M, "a's scale"), perIndex(ctx, at.bScale, g.N, "b's scale")];
    const round = castTo(ctx.inputs[at.aScale]!.dtype);
    const stage = requantizeExactly(quantizedOutput(ctx, at.yZero));
    const sums = new Float64Array(g.batch * g.M * g.N);
    return (inputs, [y]) => {
      run(inputs, sums);
      const [aScale, bScale, yScale, yZero] = [inputs[at.aScale], inputs[at.bScale], inputs[at.yScale][0], inputs[at.yZero]?.[0] ?? 0];
      for (let i = 0; i < y.length; i++) {
        const [m, n] = [Math.floor(i / g.N) % g.M, i % g.N];
        y[i] = stage(sums[i], round(round(aScale[aRow(m)] * bScale[bColumn(n)]) / yScale), yZero);
      }
    };
  },
};
