import type { OpDef } from './op.js';
import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Relu: x > 0 ? x : 0 (so -0 becomes +0). */
export const Relu: OpDef = { ...unaryOp('Relu', 'ecgc_relu_f32', () => (x) => (x > 0 ? x : 0)), integerClamp: () => [0, Infinity], gradient: unaryGradient(() => (x) => (x > 0 ? 1 : 0)) };
