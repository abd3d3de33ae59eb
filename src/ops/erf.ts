import { erfF32 } from './approx.js';
import { unaryOp } from './unary.js';
import { unaryGradient } from './gradient.js';

/** Erf through the shared float32 approximation (see approx.ts); exact GELU exports use it. */
export const Erf = { ...unaryOp('Erf', 'ecgc_erf_f32', () => erfF32), gradient: unaryGradient(() => (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x)) };
