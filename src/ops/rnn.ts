/** RNN (one gate), with the shared parts in recurrent.ts: h = tanh(fround(gx + gh)) per unit. */
import { tanhF32 } from './approx.js';
import { Tanh } from './tanh.js';
import { type Cell, recurrentOp } from './recurrent.js';

const f = Math.fround;

const cell: Cell = {
  op: 'RNN',
  gates: 1,
  cellState: false,
  activations: [Tanh.op],
  step: (_ctx, H) => ({ gx, gh, recurrent, h }) => {
    recurrent(0, H, h);
    for (let j = 0; j < H; j++) h[j] = tanhF32(f(gx[j] + gh[j]));
  },
};

export const RNN = recurrentOp(cell, 'ecgc_rnn_f32');
