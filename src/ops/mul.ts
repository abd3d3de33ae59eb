import { binaryOp } from './binary.js';

/** Mul: y = fround(a * b). */
export const Mul = binaryOp('Mul', 'ECGC_MUL', (a, b) => a * b);
