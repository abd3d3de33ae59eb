import { binaryOp } from './binary.js';
import { binaryGradient } from './gradient.js';

/** Sub: y = fround(a - b). */
export const Sub = { ...binaryOp('Sub', 'ECGC_SUB', (a, b) => a - b), gradient: binaryGradient([() => 1, () => -1]), affine: () => true };
