import { sigmoidF32 } from './approx.js';
import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Sigmoid through the shared float32 approximation (see approx.ts). */
export const Sigmoid = {
  ...unaryOp('Sigmoid', 'ecgc_sigmoid_f32', () => sigmoidF32),
  gradient: unaryGradient(() => (_x, y) => y * (1 - y)),
  outputMeaning: { probabilities: true, text: 'probabilities, each output on its own (the graph ends in Sigmoid)' },
};
