/**
 * InstanceNormalization: each channel of each batch of [N, C, ...spatial] normalised over its
 * spatial values as LayerNormalization normalises a row (same operations, same order:
 * src/ops/layer-normalization.ts), then y = fround(fround(v * scale[c]) + B[c]). C: the
 * layer-norm kernel without scale and bias, then the channel-affine kernel in place.
 */
import { fail } from '../errors.js';
import { attrFloat } from '../onnx/attributes.js';
import { shapeText, sizeOf } from '../ir/graph.js';
import type { OpContext, OpDef } from './op.js';
import { cFloat } from '../util/c.js';
import { type At, offset } from './lowering.js';
import { CHANNEL_AFFINE_F32 } from './channel-affine.js';
import { LAYER_NORM_F32, normalizeRow } from './layer-normalization.js';
import { inputShape, where } from './shapes.js';

function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  if (shape.length < 3) fail(`${where(ctx.node)}: the input must be [N, C, ...spatial]; it is ${shapeText(shape)}`);
  const [batch, channels] = shape;
  for (const [i, name] of [[1, 'scale'], [2, 'B']] as const) {
    const p = ctx.inputs[i];
    if (!p || p.shape.length !== 1 || p.shape[0] !== channels) fail(`${where(ctx.node)}: ${name} must be [${channels}], got ${p ? shapeText(p.shape) : 'none'}`);
  }
  return { batch, channels, n: sizeOf(shape.slice(2)), epsilon: Math.fround(attrFloat(ctx.node, 'epsilon', 1e-5)) };
}

export const InstanceNormalization: OpDef = {
  op: 'InstanceNormalization',
  infer(ctx) {
    geometry(ctx); // checks scale and B
    return [{ dtype: 'float32', shape: inputShape(ctx, 0) }];
  },
  prepare(ctx) {
    const { batch, channels, n, epsilon } = geometry(ctx);
    const f = Math.fround;
    return ([x, scale, bias], [y]) => {
      for (let r = 0; r < batch * channels; r++) {
        const [base, c] = [r * n, r % channels];
        normalizeRow(x, y, base, n, epsilon);
        for (let i = base; i < base + n; i++) y[i] = f(f(y[i] * scale[c]) + bias[c]);
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { batch, channels, n, epsilon } = geometry(ctx);
    const [x, scale, bias] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const [scaleArray, biasArray] = [c.constant(scale), c.constant(bias)];
    // the affine one batch at a time: its scale and shift are per channel
    const affine = (at: At, b: number) => `${CHANNEL_AFFINE_F32.name}(${offset(at(y), b * channels * n)}, ${scaleArray}, ${biasArray}, ${offset(at(y), b * channels * n)}, ${channels}, ${n});`;
    c.step([LAYER_NORM_F32, CHANNEL_AFFINE_F32], (at) =>
      [`${LAYER_NORM_F32.name}(${at(x)}, NULL, NULL, ${at(y)}, ${batch * channels}, ${n}, ${cFloat(epsilon)});`, ...Array.from({ length: batch }, (_, b) => affine(at, b))].join('\n  '),
    );
  },
};
