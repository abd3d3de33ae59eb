import { binaryOp } from './binary.js';

/** Add: y = fround(a + b). */
export const Add = binaryOp((a, b) => a + b);
