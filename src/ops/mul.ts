import { binaryOp } from './binary.js';
import { mulToS8 } from './mul-s8.js';

/** Mul: y = fround(a * b); on int8 activations MulS8. */
export const Mul = { ...binaryOp('Mul', 'ECGC_MUL', (a, b) => a * b), integer: { lower: mulToS8 } };
