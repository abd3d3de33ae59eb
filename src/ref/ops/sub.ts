import { binaryOp } from './binary.js';

/** Sub: y = fround(a - b). */
export const Sub = binaryOp((a, b) => a - b);
