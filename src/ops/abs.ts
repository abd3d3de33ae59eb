/** Abs: |x| (the sign bit cleared). */
import { unaryOp } from './unary.js';

export const Abs = unaryOp('Abs', 'ecgc_abs_f32', () => (x) => Math.abs(x));
