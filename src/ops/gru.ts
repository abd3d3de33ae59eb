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
import { type Cell, type CellBackward, type CellStep, recurrentOp } from './recurrent.js';
import { where } from './shapes.js';

const f = Math.fround;

const linearBeforeReset = (ctx: OpContext) => attrInt(ctx.node, 'linear_before_reset', 0);

/**
 * A step's gates for one value of linear_before_reset: the recurrent parts into gh (n's from
 * h, or from r * h in `resetHidden` for 0), then unit j's z, r and candidate n.
 */
function gates(before: boolean, H: number) {
  const resetHidden = new Float32Array(H);
  return ({ gx, gh, recurrent, h }: Pick<CellStep, 'gx' | 'gh' | 'recurrent' | 'h'>) => {
    recurrent(0, 2 * H, h);
    const reset = (j: number) => sigmoidF32(f(gx[H + j] + gh[H + j]));
    if (before) recurrent(2 * H, 3 * H, h);
    else {
      for (let j = 0; j < H; j++) resetHidden[j] = f(reset(j) * h[j]);
      recurrent(2 * H, 3 * H, resetHidden);
    }
    return (j: number) => {
      const [z, r] = [sigmoidF32(f(gx[j] + gh[j])), reset(j)];
      const n = tanhF32(before ? f(gx[2 * H + j] + f(r * gh[2 * H + j])) : f(gx[2 * H + j] + gh[2 * H + j]));
      return { z, r, n };
    };
  };
}

function step(before: boolean, H: number): (s: CellStep) => void {
  const unit = gates(before, H);
  return (s) => {
    const at = unit(s);
    for (let j = 0; j < H; j++) {
      const { z, n } = at(j);
      s.h[j] = f(f(f(1 - z) * n) + f(z * s.h[j]));
    }
  };
}

/**
 * The reverse of `step`: from dh after the step, dn = dh (1 - z), dz = dh (h_prev - n),
 * dh_prev = dh z plus what flows back through R; the candidate's pre-activation gets
 * dn (1 - n^2), z's and r's theirs through the sigmoid's slope.
 */
function backward(before: boolean, H: number): (s: CellBackward) => void {
  const unit = gates(before, H);
  const dRecurrent = new Float64Array(3 * H);
  const dResetHidden = new Float64Array(H);
  return (s) => {
    const { gh, recurrentBack, h, dh, dgx } = s;
    const at = unit(s);
    dRecurrent.fill(0);
    for (let j = 0; j < H; j++) {
      const { z, r, n } = at(j);
      const dn = dh[j] * (1 - z) * (1 - n * n);
      const dz = dh[j] * (h[j] - n) * z * (1 - z);
      dgx[j] = dz;
      dgx[2 * H + j] = dn;
      dRecurrent[j] = dz;
      // linear_before_reset 1: n's recurrent part is r (R h); 0: R (r h), its r's share below
      const dr = before ? dn * gh[2 * H + j] : 0;
      if (before) dRecurrent[2 * H + j] = dn * r;
      else dRecurrent[2 * H + j] = dn;
      dgx[H + j] = dr * r * (1 - r);
      dRecurrent[H + j] = dgx[H + j];
      dh[j] = dh[j] * z;
    }
    recurrentBack(0, 2 * H, dRecurrent, dh);
    if (before) recurrentBack(2 * H, 3 * H, dRecurrent, dh);
    else {
      dResetHidden.fill(0);
      recurrentBack(2 * H, 3 * H, dRecurrent, dResetHidden);
      // r h: h's share to h, r's through the sigmoid into the reset gate's rows
      for (let j = 0; j < H; j++) {
        const { r } = at(j);
        dh[j] += dResetHidden[j] * r;
        const dr = dResetHidden[j] * h[j] * r * (1 - r);
        dgx[H + j] += dr;
        dRecurrent[H + j] = dr;
      }
      dRecurrent.fill(0, 0, H);
      dRecurrent.fill(0, 2 * H);
      recurrentBack(H, 2 * H, dRecurrent, dh);
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
  backward: (ctx, H) => backward(linearBeforeReset(ctx) === 1, H),
};

export const GRU = recurrentOp(cell, 'ecgc_gru_f32');
