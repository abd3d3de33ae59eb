import { softplusF32 } from './approx.js';
import { unaryOp } from './unary.js';

/** Softplus: log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) with the shared approximations. */
export const Softplus = unaryOp('Softplus', 'ecgc_softplus_f32', () => softplusF32);
