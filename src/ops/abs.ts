/** Abs: |x| (the sign bit cleared). */
import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

export const Abs = { ...unaryOp('Abs', 'ecgc_abs_f32', () => (x) => Math.abs(x)), gradient: unaryGradient(() => (x) => Math.sign(x)) };
