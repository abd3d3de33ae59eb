/**
 * Softmax over one axis (opset 13+; before 13, over all axes from `axis` on):
 * m = max (first wins on ties), e_i = exp(fround(x_i - m)) with the shared approximation,
 * s = sum of e_i in ascending order (each add rounded), y_i = fround(e_i / s).
 */
import { attrInt } from '../onnx/attributes.js';
import { sizeOf } from '../ir/graph.js';
import { expF32 } from './approx.js';
import type { OpContext, OpDef } from './op.js';
import { cKernel } from './lowering.js';
import { inputShape, normalizeAxis } from './shapes.js';

/** Also what a model's <name>_softmax calls on logits (templates/model.c.hbs). */
export const SOFTMAX_F32 = cKernel('ecgc_softmax_f32', 'ecgc_softmax.c');

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const axis = normalizeAxis(ctx.node, attrInt(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1), shape.length);
  const outer = sizeOf(shape.slice(0, axis));
  if (ctx.opset < 13) return { outer, length: sizeOf(shape.slice(axis)), inner: 1 };
  return { outer, length: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

export const Softmax: OpDef = {
  op: 'Softmax',
  outputMeaning: { probabilities: true, text: 'probabilities (the graph ends in Softmax)' },
  infer: (ctx) => [{ dtype: 'float32', shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const { outer, length, inner } = geometry(ctx);
    const f = Math.fround;
    return ([x], [y]) => {
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * length * inner + i;
          let max = x[base];
          for (let j = 1; j < length; j++) if (x[base + j * inner] > max) max = x[base + j * inner];
          let sum = 0;
          for (let j = 0; j < length; j++) {
            const e = expF32(f(x[base + j * inner] - max));
            y[base + j * inner] = e;
            sum = f(sum + e);
          }
          for (let j = 0; j < length; j++) y[base + j * inner] = y[base + j * inner] / sum;
        }
      }
    };
  },
  // ∂L/∂x_j = y_j (∂L/∂y_j - Σ_k ∂L/∂y_k y_k)
  gradient(ctx) {
    const { outer, length, inner } = geometry(ctx);
    return (_inputs, [y], [gy], [gx]) => {
      if (!gx) return;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * length * inner + i;
          let dot = 0;
          for (let j = 0; j < length; j++) dot += gy[base + j * inner] * y[base + j * inner];
          for (let j = 0; j < length; j++) gx[base + j * inner] += y[base + j * inner] * (gy[base + j * inner] - dot);
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { outer, length, inner } = geometry(ctx);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([SOFTMAX_F32], (at) => `${SOFTMAX_F32.name}(${at(x)}, ${at(y)}, ${outer}, ${length}, ${inner});`);
  },
};
