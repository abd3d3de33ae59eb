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
};

export const LSTM = recurrentOp(cell, 'ecgc_lstm_f32');
