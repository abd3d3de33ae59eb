import { binaryOp } from './binary.js';

/** Mul: y = fround(a * b). */
export const Mul = binaryOp((a, b) => a * b);
