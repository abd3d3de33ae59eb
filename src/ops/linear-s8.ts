/**
 * LinearS8 (internal, src/quant/integer-graph.ts): Gemm or MatMul by a constant, on int8
 * activations. Inputs: x (int8 [M, K]), the weight codes (int8 constant [N, K]: one row per
 * output, whatever the float layer's layout), the int32 bias [N], the Q31 multipliers and
 * shifts [N]; the output stage's attributes (integer.ts), `bits` and `encoding` as ConvS8.
 *
 * y[m, n] = clamp(requantize(bias[n] + sum_k w[n, k] * (x[m, k] + input_offset),
 * multiplier[n], shift[n]) + output_offset, act_min, act_max): CMSIS-NN's
 * arm_fully_connected_per_channel_s8.
 */
import { fail } from '../errors.js';
import { cKernel, designated } from './lowering.js';
import { type IntegerContext, type IntegerNode, layerRequantization, lowerRequantization, outputStage, outputStageFields, outputValue } from './integer.js';
import type { OpContext, OpDef } from './op.js';
import { requireRank, where } from './shapes.js';

const LINEAR_S8 = cKernel('ecgc_linear_s8', 'ecgc_linear_s8.c', 'ecgc_weights.c');

function geometry(ctx: OpContext) {
  const [M, K] = requireRank(ctx, 0, [2], 'x');
  const [N, Kw] = requireRank(ctx, 1, [2], 'weight codes');
  if (K !== Kw) fail(`${where(ctx.node)}: x [${M}, ${K}] and weight codes [${N}, ${Kw}] do not multiply`);
  return { M, K, N };
}

export const LinearS8: OpDef = {
  op: 'LinearS8',
  internal: true,
  cTypes: ['int8'],
  infer(ctx) {
    const { M, N } = geometry(ctx);
    return [{ dtype: 'int8', shape: [M, N] }];
  },
  macs(ctx) {
    const { M, K, N } = geometry(ctx);
    return M * K * N;
  },
  prepare(ctx) {
    const { M, K, N } = geometry(ctx);
    const stage = outputStage(ctx.node);
    const hasBias = ctx.inputs[2] !== undefined;
    return ([x, w, bias, multiplier, shift], [y]) => {
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let acc = hasBias ? bias[n] : 0;
          for (let k = 0; k < K; k++) acc += w[n * K + k] * (x[m * K + k] + stage.inputOffset);
          y[m * N + n] = outputValue(acc, multiplier[n], shift[n], stage);
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { M, K, N } = geometry(ctx);
    const id = c.id('layer');
    const weights = c.codes(id);
    // (small_accumulators serves the convolutions' row-at-a-time requantization; the linear kernel requantizes output by output)
    const { bias, multiplier, shift } = lowerRequantization(ctx, c, id);
    c.declare(`static const ecgc_linear_s8_t ${id} = ${designated({ m: M, k: K, n: N, ...outputStageFields(outputStage(ctx.node)), weights: weights.init, bias, multiplier, shift })};`);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([LINEAR_S8], (at, s) => `${LINEAR_S8.name}(&${id}, ${at(x)}, ${at(y)}, ${s});`, { scratch: { bytes: 4 * K, check: `${LINEAR_S8.name}_get_buffer_size(&${id})` } });
  },
};

/** Whether a matrix layer runs on int8: x [M, K], and a bias input `biasIndex` (if any) a constant of one value per output (`outputs` of them). */
export function linearTakesLayer(ctx: OpContext, biasIndex: number | undefined, outputs: number): boolean {
  return ctx.inputs[0]?.shape.length === 2 && (biasIndex === undefined || !ctx.inputs[biasIndex] || ctx.constants[biasIndex]?.data.length === outputs);
}

/** The integer form of a matrix layer x [M, K] times its weight (+ bias input `biasIndex`, one value per output; linearTakesLayer): a LinearS8 of the plan's codes. */
export function linearToS8(ic: IntegerContext, biasIndex: number | undefined): IntegerNode | undefined {
  const layer = ic.layer();
  if (!layer) return undefined;
  const bias = biasIndex === undefined ? undefined : ic.ctx.constants[biasIndex];
  const { inputs, attrs } = layerRequantization(ic, layer, bias?.data);
  const codes = ic.constant('codes', 'int8', [layer.rows, layer.codes.length / layer.rows], layer.codes);
  return { op: 'LinearS8', inputs: [ic.input(0), codes, ...inputs], attrs: { ...attrs, ...(layer.encoding ? { encoding: layer.encoding } : {}) } };
}
