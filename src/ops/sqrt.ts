import { unaryOp } from './unary.js';

/** Sqrt: correctly rounded, so fround(Math.sqrt(x)) equals C's sqrtf. */
export const Sqrt = unaryOp('Sqrt', 'ecgc_sqrt_f32', () => (x) => Math.fround(Math.sqrt(x)));
