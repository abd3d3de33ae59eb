import { tanhF32 } from './approx.js';
import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Tanh through the shared float32 approximation (see approx.ts). */
export const Tanh = { ...unaryOp('Tanh', 'ecgc_tanh_f32', () => tanhF32), gradient: unaryGradient(() => (_x, y) => 1 - y * y) };
