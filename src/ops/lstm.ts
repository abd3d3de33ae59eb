/**
 * LSTM (gates i, o, f, c in ONNX's order), with the shared parts in recurrent.ts. Per unit j:
 * a gate's pre-activation is fround(gx + gh); i, o, f = sigmoid, g = tanh of theirs;
 * c = fround(fround(f * c) + fround(i * g)), h = fround(o * tanh(c)).
 */
import { fail } from '../errors.js';
import { sigmoidF32, tanhF32 } from './approx.js';
import { Sigmoid } from './sigmoid.js';
import { Tanh } from './tanh.js';
import { type Cell, INPUT, recurrentOp } from './recurrent.js';
import { where } from './shapes.js';

const f = Math.fround;

const cell: Cell = {
  op: 'LSTM',
  gates: 4,
  cellState: true,
  activations: [Sigmoid.op, Tanh.op, Tanh.op],
  check(ctx) {
    if ((ctx.node.attrs.input_forget ?? 0) !== 0) fail(`${where(ctx.node)}: input_forget is not supported`);
    if (ctx.inputs[INPUT.peepholes]) fail(`${where(ctx.node)}: peepholes (input P) are not supported`);
  },
  step: (_ctx, H) => ({ gx, gh, recurrent, h, c }) => {
    recurrent(0, 4 * H, h);
    for (let j = 0; j < H; j++) {
      const gate = (k: number) => f(gx[k * H + j] + gh[k * H + j]);
      const [i, o, forget, g] = [sigmoidF32(gate(0)), sigmoidF32(gate(1)), sigmoidF32(gate(2)), tanhF32(gate(3))];
      c[j] = f(f(forget * c[j]) + f(i * g));
      h[j] = f(o * tanhF32(c[j]));
    }
  },
  // From dh and dc after the step: dc += dh o (1 - tanh(c)^2); each gate's pre-activation
  // gets its share (i: dc g, o: dh tanh(c), f: dc c_prev, g: dc i) through its activation's slope.
  backward: (_ctx, H) => ({ gx, gh, recurrent, recurrentBack, h, c, dh, dc, dgx }) => {
    recurrent(0, 4 * H, h);
    for (let j = 0; j < H; j++) {
      const gate = (k: number) => f(gx[k * H + j] + gh[k * H + j]);
      const [i, o, forget, g] = [sigmoidF32(gate(0)), sigmoidF32(gate(1)), sigmoidF32(gate(2)), tanhF32(gate(3))];
      const cNext = f(f(forget * c[j]) + f(i * g));
      const tc = tanhF32(cNext);
      const dcj = dc[j] + dh[j] * o * (1 - tc * tc);
      dgx[j] = dcj * g * i * (1 - i);
      dgx[H + j] = dh[j] * tc * o * (1 - o);
      dgx[2 * H + j] = dcj * c[j] * forget * (1 - forget);
      dgx[3 * H + j] = dcj * i * (1 - g * g);
      dc[j] = dcj * forget;
      dh[j] = 0;
    }
    // every gate's recurrent part is R h: the same gradient as its input part
    recurrentBack(0, 4 * H, dgx, dh);
  },
};

export const LSTM = recurrentOp(cell, 'ecgc_lstm_f32');
