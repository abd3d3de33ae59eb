import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Reciprocal: fround(1 / x) (torch exports `c / x` this way). */
export const Reciprocal = { ...unaryOp('Reciprocal', 'ecgc_reciprocal_f32', () => (x) => Math.fround(1 / x)), gradient: unaryGradient(() => (_x, y) => -y * y) };
