import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Neg: -x (exact). */
export const Neg = { ...unaryOp('Neg', 'ecgc_neg_f32', () => (x) => -x), gradient: unaryGradient(() => () => -1) };
