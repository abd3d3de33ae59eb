import { unaryOp } from './unary.js';

/** Ceil: exact; -0 stays -0, and ceil(-0.5) is -0. */
export const Ceil = unaryOp('Ceil', 'ecgc_ceil_f32', () => Math.ceil);
