import { binaryOp } from './binary.js';

/** Sub: y = fround(a - b). */
export const Sub = binaryOp('Sub', 'ECGC_SUB', (a, b) => a - b);
