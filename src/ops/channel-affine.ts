/**
 * ChannelAffine (ecgc's own op, from a BatchNormalization that cannot be folded):
 * y[c, ...] = fround(fround(x[c, ...] * scale[c]) + shift[c]), channel axis 1.
 */
import type { OpDef } from './op.js';
import { inputShape } from './shapes.js';
import { type TensorData, sizeOf } from '../ir/graph.js';
import { type At, cKernel, designated, offset } from './lowering.js';

export const CHANNEL_AFFINE_F32 = cKernel('ecgc_channel_affine_f32', 'ecgc_channel_affine.c');

export function affineKernel(shape: readonly number[]) {
  const { batch, channels, inner } = affineGeometry(shape);
  const f = Math.fround;
  return (x: ArrayLike<number>, scale: ArrayLike<number>, shift: ArrayLike<number>, y: TensorData) => {
    for (let n = 0, i = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const s = scale[c];
        const t = shift[c];
        for (let j = 0; j < inner; j++, i++) y[i] = f(x[i] * s) + t;
      }
    }
  };
}

/** [N, C, ...]: N batches of C channels of `inner` values. */
function affineGeometry(shape: readonly number[]) {
  return { batch: shape[0] ?? 1, channels: shape[1] ?? 1, inner: sizeOf(shape.slice(2)) };
}

export const ChannelAffine: OpDef = {
  op: 'ChannelAffine',
  internal: true,
  infer: (ctx) => [{ dtype: 'float32', shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const apply = affineKernel(inputShape(ctx, 0));
    return ([x, scale, shift], [y]) => apply(x, scale, shift, y);
  },
  affine: () => true,
  gradient(ctx) {
    const { batch, channels, inner } = affineGeometry(inputShape(ctx, 0));
    return ([, scale], _outputs, [gy], [gx]) => {
      if (!gx) return;
      for (let n = 0, i = 0; n < batch; n++) {
        for (let c = 0; c < channels; c++) for (let j = 0; j < inner; j++, i++) gx[i] += gy[i] * scale[c];
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { batch, channels, inner } = affineGeometry(inputShape(ctx, 0));
    const [x, scale, shift] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    // one call per batch
    const call = (at: At, n: number) => `${CHANNEL_AFFINE_F32.name}(${offset(at(x), n * channels * inner)}, ${c.constant(scale)}, ${c.constant(shift)}, ${offset(at(y), n * channels * inner)}, ${channels}, ${inner});`;
    c.step([CHANNEL_AFFINE_F32], (at) => Array.from({ length: batch }, (_, n) => call(at, n)).join('\n  '), { inPlace: true });
  },
  stream: { post: { kernels: [CHANNEL_AFFINE_F32], init: (ctx, c) => designated({ scale: c.constant(ctx.node.inputs[1]), shift: c.constant(ctx.node.inputs[2]) }) } },
};
