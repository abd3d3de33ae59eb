/**
 * GRU (gates z, r, h in ONNX's order), with the shared parts in recurrent.ts. Per unit j:
 * z = sigmoid(fround(gx_z + gh_z)), r likewise; the candidate n = tanh(fround(gx_h + fround(r * gh_h)))
 * with linear_before_reset = 1 (torch's), or tanh(fround(gx_h + gh_h)) with gh_h computed
 * from fround(r * h) (0); h = fround(fround(fround(1 - z) * n) + fround(z * h)).
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { sigmoidF32, tanhF32 } from './approx.js';
import type { OpContext } from './op.js';
import { Sigmoid } from './sigmoid.js';
import { Tanh } from './tanh.js';
import { type Cell, type CellStep, recurrentOp } from './recurrent.js';
import { where } from './shapes.js';

const f = Math.fround;

const linearBeforeReset = (ctx: OpContext) => attrInt(ctx.node, 'linear_before_reset', 0);

/** The step for one value of linear_before_reset, `resetHidden` holding r * h for 0. */
function step(before: boolean, H: number): (s: CellStep) => void {
  const resetHidden = new Float32Array(H);
  return ({ gx, gh, recurrent, h }) => {
    recurrent(0, 2 * H, h);
    const reset = (j: number) => sigmoidF32(f(gx[H + j] + gh[H + j]));
    if (before) recurrent(2 * H, 3 * H, h);
    else {
      for (let j = 0; j < H; j++) resetHidden[j] = f(reset(j) * h[j]);
      recurrent(2 * H, 3 * H, resetHidden);
    }
    for (let j = 0; j < H; j++) {
      const z = sigmoidF32(f(gx[j] + gh[j]));
      const n = tanhF32(before ? f(gx[2 * H + j] + f(reset(j) * gh[2 * H + j])) : f(gx[2 * H + j] + gh[2 * H + j]));
      h[j] = f(f(f(1 - z) * n) + f(z * h[j]));
    }
  };
}

const cell: Cell = {
  op: 'GRU',
  gates: 3,
  cellState: false,
  resetHidden: true,
  activations: [Sigmoid.op, Tanh.op],
  check(ctx) {
    const value = linearBeforeReset(ctx);
    if (value !== 0 && value !== 1) fail(`${where(ctx.node)}: linear_before_reset ${value} is not 0 or 1`);
  },
  fields: (ctx) => ({ linear_before_reset: linearBeforeReset(ctx) }),
  step: (ctx, H) => step(linearBeforeReset(ctx) === 1, H),
};

export const GRU = recurrentOp(cell, 'ecgc_gru_f32');
