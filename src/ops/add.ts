import { addToS8 } from './add-s8.js';
import { binaryOp } from './binary.js';
import type { OpDef } from './op.js';
import { binaryGradient } from './gradient.js';

/** Add: y = fround(a + b). */
export const Add: OpDef = { ...binaryOp('Add', 'ECGC_ADD', (a, b) => a + b), integer: { lower: addToS8 }, gradient: binaryGradient([() => 1, () => 1]), affine: () => true };
