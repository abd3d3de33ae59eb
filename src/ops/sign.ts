/** Sign: 1, -1, or x itself for 0, -0 and NaN. */
import { unaryOp } from './unary.js';

export const Sign = unaryOp('Sign', 'ecgc_sign_f32', () => (x) => (x > 0 ? 1 : x < 0 ? -1 : x));
