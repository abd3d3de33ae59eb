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
  // dgx = dh (1 - h'^2), and h gets it back through R
  backward: (_ctx, H) => ({ gx, gh, recurrent, recurrentBack, h, dh, dgx }) => {
    recurrent(0, H, h);
    for (let j = 0; j < H; j++) {
      const next = tanhF32(f(gx[j] + gh[j]));
      dgx[j] = dh[j] * (1 - next * next);
      dh[j] = 0;
    }
    recurrentBack(0, H, dgx, dh);
  },
};

export const RNN = recurrentOp(cell, 'ecgc_rnn_f32');
