/**
 * BatchNormalization (inference): y = x * scale[c] + shift[c] with
 * scale = gamma / sqrt(var + eps) and shift = beta - mean * scale, computed in float64
 * and rounded once. The fold-batch-norm pass folds it into the preceding layer or turns
 * it into ChannelAffine, so at run time it is always the affine kernel.
 */
import { fail } from '../errors.js';
import { attrFloat, attrInt } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { affineKernel } from './channel-affine.js';
import { constantInput, inputShape, where } from './shapes.js';

export function batchNormAffine(ctx: OpContext): { scale: Float32Array; shift: Float32Array } {
  const channels = inputShape(ctx, 0)[1];
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => constantInput(ctx, i, ['scale', 'B', 'mean', 'var'][i - 1]).data);
  for (const p of [gamma, beta, mean, variance]) {
    if (p.length !== channels) fail(`${where(ctx.node)}: parameters must have one value per channel (${channels}), got ${p.length}`);
  }
  const epsilon = attrFloat(ctx.node, 'epsilon', 1e-5);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = gamma[c] / Math.sqrt(variance[c] + epsilon);
    scale[c] = s;
    shift[c] = beta[c] - mean[c] * s;
  }
  return { scale, shift };
}

export const BatchNormalization: OpDef = {
  op: 'BatchNormalization',
  infer(ctx) {
    if (ctx.opset < 9 && attrInt(ctx.node, 'spatial', 1) !== 1) fail(`${where(ctx.node)}: spatial = 0 (statistics per element) is not supported`);
    if (ctx.node.outputs.length > 1 && ctx.node.outputs.slice(1).some((o) => o !== '')) {
      fail(`${where(ctx.node)}: training-mode outputs (running mean/var) are not supported; export the model in eval() mode`);
    }
    batchNormAffine(ctx);
    return [{ dtype: 'float32', shape: inputShape(ctx, 0) }];
  },
  prepare(ctx) {
    const { scale, shift } = batchNormAffine(ctx);
    const apply = affineKernel(inputShape(ctx, 0));
    return ([x], [y]) => apply(x, scale, shift, y);
  },
};
