import { binaryOp } from './binary.js';

/** Add: y = fround(a + b). */
export const Add = binaryOp('Add', 'ECGC_ADD', (a, b) => a + b);
