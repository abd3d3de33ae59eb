/**
 * ChannelAffine (ecgc's own op, from a BatchNormalization that cannot be folded):
 * y[c, ...] = fround(fround(x[c, ...] * scale[c]) + shift[c]), channel axis 1.
 */
import type { OpDef } from '../op.js';
import { inputShape } from './shapes.js';
import { sizeOf } from '../../ir/graph.js';

export function affineKernel(shape: readonly number[]) {
  const channels = shape[1] ?? 1;
  const inner = sizeOf(shape.slice(2));
  const f = Math.fround;
  return (x: ArrayLike<number>, scale: ArrayLike<number>, shift: ArrayLike<number>, y: Float32Array | Float64Array) => {
    for (let c = 0, i = 0; c < channels; c++) {
      const s = scale[c];
      const t = shift[c];
      for (let j = 0; j < inner; j++, i++) y[i] = f(x[i] * s) + t;
    }
  };
}

export const ChannelAffine: OpDef = {
  infer: (ctx) => [{ dtype: 'float32', shape: inputShape(ctx, 0) }],
  prepare(ctx) {
    const apply = affineKernel(inputShape(ctx, 0));
    return ([x, scale, shift], [y]) => apply(x, scale, shift, y);
  },
};
