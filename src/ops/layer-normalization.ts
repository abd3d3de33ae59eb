/**
 * LayerNormalization (opset 17), over the axes from `axis` on. The op sequence equals
 * torch's opset-13 decomposition (ReduceMean, Sub, Pow 2, ReduceMean, Add, Sqrt, Div, Mul,
 * Add) run op by op, so both exports give the same bits:
 * mean = fround(sum x / n); d = fround(x - mean); var = fround(sum fround(d * d) / n);
 * s = fround(sqrt(fround(var + eps))); y = fround(fround(fround(d / s) * scale) + bias).
 * Sums run in ascending order with every add rounded. The optional outputs Mean and
 * InvStdDev (the normalized axes kept as 1s) hold mean and fround(1 / s) (the reference only).
 */
import { fail } from '../errors.js';
import { attrFloat, attrInt } from '../onnx/attributes.js';
import { type TensorData, shapeText, sizeOf } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cFloat } from '../util/c.js';
import { cKernel } from './lowering.js';
import { inputShape, normalizeAxis, where } from './shapes.js';

export const LAYER_NORM_F32 = cKernel('ecgc_layer_norm_f32', 'ecgc_layer_norm.c');

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', -1), shape.length);
  const n = sizeOf(shape.slice(axis));
  for (const i of [1, 2]) {
    const p = ctx.inputs[i];
    if (p && sizeOf(p.shape) !== n) fail(`${where(ctx.node)}: ${i === 1 ? 'Scale' : 'B'} ${shapeText(p.shape)} must match the normalized shape ${shapeText(shape.slice(axis))}`);
  }
  const statistics = [...shape.slice(0, axis), ...shape.slice(axis).map(() => 1)];
  return { rows: sizeOf(shape) / n, n, epsilon: Math.fround(attrFloat(ctx.node, 'epsilon', 1e-5)), statistics };
}

export const LayerNormalization: OpDef = {
  op: 'LayerNormalization',
  infer(ctx) {
    const { statistics } = geometry(ctx);
    return [{ dtype: 'float32', shape: inputShape(ctx, 0) }, ...ctx.node.outputs.slice(1).map(() => ({ dtype: 'float32' as const, shape: statistics }))];
  },
  prepare(ctx) {
    const { rows, n, epsilon } = geometry(ctx);
    const hasScale = ctx.inputs[1] !== undefined;
    const hasBias = ctx.inputs[2] !== undefined;
    const f = Math.fround;
    return ([x, scale, bias], [y, meanOut, invStdOut]) => {
      for (let r = 0; r < rows; r++) {
        const base = r * n;
        const { mean, std } = normalizeRow(x, y, base, n, epsilon);
        if (meanOut) meanOut[r] = mean;
        if (invStdOut) invStdOut[r] = 1 / std;
        for (let i = 0; i < n; i++) {
          let v = y[base + i];
          if (hasScale) v = f(v * scale[i]);
          if (hasBias) v = f(v + bias[i]);
          y[base + i] = v;
        }
      }
    };
  },
  // With x̂ the normalized row and g = ∂L/∂x̂ (the output's gradient times the scale):
  // ∂L/∂x = (g - mean(g) - x̂ mean(g x̂)) / s, statistics recomputed in float64.
  gradient(ctx) {
    const { rows, n, epsilon } = geometry(ctx);
    const g = new Float64Array(n);
    const normalized = new Float64Array(n);
    return ([x, scale], _outputs, [gy], [gx]) => {
      if (!gx) return;
      for (let r = 0, base = 0; r < rows; r++, base += n) {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += x[base + i] / n;
        let variance = 0;
        for (let i = 0; i < n; i++) variance += (x[base + i] - mean) ** 2 / n;
        const s = Math.sqrt(variance + epsilon);
        let [gMean, gxMean] = [0, 0];
        for (let i = 0; i < n; i++) {
          normalized[i] = (x[base + i] - mean) / s;
          g[i] = gy[base + i] * (scale?.length ? scale[i] : 1);
          gMean += g[i] / n;
          gxMean += (g[i] * normalized[i]) / n;
        }
        for (let i = 0; i < n; i++) gx[base + i] += (g[i] - gMean - normalized[i] * gxMean) / s;
      }
    };
  },
  lower(ctx, _outputs, c) {
    if (ctx.node.outputs.slice(1).some((o) => o !== '')) fail(`${where(ctx.node)}: the Mean and InvStdDev outputs have no C kernel`);
    const { rows, n, epsilon } = geometry(ctx);
    const optional = (i: number) => (ctx.inputs[i] ? c.constant(ctx.node.inputs[i]) : 'NULL');
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([LAYER_NORM_F32], (at) => `${LAYER_NORM_F32.name}(${at(x)}, ${optional(1)}, ${optional(2)}, ${at(y)}, ${rows}, ${n}, ${cFloat(epsilon)});`);
  },
};

/** y[base, base + n) = fround(d / s) for the row of x there (see the header); returns its mean and s. */
export function normalizeRow(x: ArrayLike<number>, y: TensorData, base: number, n: number, epsilon: number): { mean: number; std: number } {
  const f = Math.fround;
  let sum = 0;
  for (let i = 0; i < n; i++) sum = f(sum + x[base + i]);
  const mean = f(sum / n);
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = f(x[base + i] - mean);
    y[base + i] = d;
    squares = f(squares + f(d * d));
  }
  const std = f(Math.sqrt(f(f(squares / n) + epsilon)));
  for (let i = 0; i < n; i++) y[base + i] = f(y[base + i] / std);
  return { mean, std };
}
