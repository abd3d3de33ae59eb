import { binaryOp } from './binary.js';
import type { OpDef } from './op.js';
import { mulToS8 } from './mul-s8.js';
import { binaryGradient } from './gradient.js';

/** Mul: y = fround(a * b); on int8 activations MulS8. */
export const Mul: OpDef = { ...binaryOp('Mul', 'ECGC_MUL', (a, b) => a * b), integer: { lower: mulToS8 }, gradient: binaryGradient([(_a, b) => b, (a) => a]), affine: (ctx) => ctx.constants[0] !== undefined || ctx.constants[1] !== undefined };
