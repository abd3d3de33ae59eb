/**
 * BatchNormalization (inference): y = x * scale[c] + shift[c] with
 * scale = gamma / sqrt(var + eps) and shift = beta - mean * scale, computed in float64
 * and rounded once. The fold-batch-norm pass folds it into the preceding layer or turns
 * it into ChannelAffine, so at run time it is always the affine kernel.
 *
 * Training mode (training_mode = 1, opset 14 on), in the reference only: the batch's own
 * statistics per channel over N and the spatial axes, mean = sum / count and the population
 * variance sum((x - mean)^2) / count (sums ascending, every operation rounded to float32),
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, and the outputs running_mean =
 * mean_in * momentum + mean * (1 - momentum), running_var likewise.
 */
import { fail } from '../errors.js';
import { attrFloat, attrInt } from '../onnx/attributes.js';
import { type Node, shapeText, sizeOf } from '../ir/graph.js';
import type { Kernel, OpContext, OpDef } from './op.js';
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

/** Training mode: the batch's statistics; running_mean and running_var as outputs 1 and 2. */
export const isTraining = (node: Node) => attrInt(node, 'training_mode', 0) === 1;

function prepareTraining(ctx: OpContext): Kernel {
  const shape = inputShape(ctx, 0);
  const [batch, channels] = shape;
  const inner = sizeOf(shape.slice(2));
  const [gamma, beta, meanIn, varIn] = [1, 2, 3, 4].map((i) => constantInput(ctx, i, ['scale', 'B', 'input_mean', 'input_var'][i - 1]).data);
  for (const p of [gamma, beta, meanIn, varIn]) {
    if (p.length !== channels) fail(`${where(ctx.node)}: parameters must have one value per channel (${channels}), got ${p.length}`);
  }
  const f = Math.fround;
  const epsilon = f(attrFloat(ctx.node, 'epsilon', 1e-5));
  const momentum = f(attrFloat(ctx.node, 'momentum', 0.9));
  const count = batch * inner;
  /** Each value of channel c, in order: batch ascending, then the spatial positions. */
  const eachOf = (c: number, visit: (at: number) => void) => {
    for (let n = 0; n < batch; n++) for (let i = 0; i < inner; i++) visit((n * channels + c) * inner + i);
  };
  return ([x], [y, runningMean, runningVar]) => {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      eachOf(c, (at) => (sum = f(sum + x[at])));
      const mean = f(sum / count);
      let squares = 0;
      eachOf(c, (at) => (squares = f(squares + f(f(x[at] - mean) * f(x[at] - mean)))));
      const variance = f(squares / count);
      const deviation = f(Math.sqrt(f(variance + epsilon)));
      eachOf(c, (at) => (y[at] = f(f(f(f(x[at] - mean) / deviation) * gamma[c]) + beta[c])));
      if (runningMean) runningMean[c] = f(f(meanIn[c] * momentum) + f(mean * f(1 - momentum)));
      if (runningVar) runningVar[c] = f(f(varIn[c] * momentum) + f(variance * f(1 - momentum)));
    }
  };
}

export const BatchNormalization: OpDef = {
  op: 'BatchNormalization',
  infer(ctx) {
    if (ctx.opset < 9 && attrInt(ctx.node, 'spatial', 1) !== 1) fail(`${where(ctx.node)}: spatial = 0 (statistics per element) is not supported`);
    const y = { dtype: 'float32' as const, shape: inputShape(ctx, 0) };
    if (isTraining(ctx.node)) {
      if (y.shape.length < 2) fail(`${where(ctx.node)}: the input must be [N, C, ...]; it is ${shapeText(y.shape)}`);
      return [y, ...ctx.node.outputs.slice(1, 3).map(() => ({ dtype: 'float32' as const, shape: [y.shape[1]] }))];
    }
    if (ctx.node.outputs.length > 1 && ctx.node.outputs.slice(1).some((o) => o !== '')) {
      fail(`${where(ctx.node)}: outputs beyond Y (running mean and variance, saved statistics) need training_mode = 1 (opset 14 on); export the model in eval() mode`);
    }
    batchNormAffine(ctx);
    return [y];
  },
  prepare(ctx) {
    if (isTraining(ctx.node)) return prepareTraining(ctx);
    const { scale, shift } = batchNormAffine(ctx);
    const apply = affineKernel(inputShape(ctx, 0));
    return ([x], [y]) => apply(x, scale, shift, y);
  },
  // only training mode reaches C: fold-batch-norm turns every other BatchNormalization into a layer's weights or ChannelAffine
  lower(ctx) {
    fail(`${where(ctx.node)}: training mode (statistics of the batch) has no C kernel; export the model in eval() mode`);
  },
};
