import { unaryOp } from './unary.js';

/** Neg: -x (exact). */
export const Neg = unaryOp('Neg', 'ecgc_neg_f32', () => (x) => -x);
