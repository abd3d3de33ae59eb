import { logF32 } from './approx.js';
import { unaryOp } from './unary.js';

/** Log: the shared float32 approximation (log(0) = -inf, log of a negative x: NaN). */
export const Log = unaryOp('Log', 'ecgc_log_f32', () => logF32);
