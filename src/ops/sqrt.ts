import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Sqrt: correctly rounded, so fround(Math.sqrt(x)) equals C's sqrtf. */
export const Sqrt = { ...unaryOp('Sqrt', 'ecgc_sqrt_f32', () => (x) => Math.fround(Math.sqrt(x))), gradient: unaryGradient(() => (_x, y) => 0.5 / y) };
