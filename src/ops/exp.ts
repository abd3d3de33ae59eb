/** Exp: through the shared float32 approximation (see approx.ts). */
import { expF32 } from './approx.js';
import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

export const Exp = { ...unaryOp('Exp', 'ecgc_exp_f32', () => expF32), gradient: unaryGradient(() => (_x, y) => y) };
