import { erfF32 } from '../approx.js';
import { unaryOp } from './unary.js';

/** Erf through the shared float32 approximation (see approx.ts); exact GELU exports use it. */
export const Erf = unaryOp(() => erfF32);
