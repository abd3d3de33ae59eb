import { sigmoidF32 } from '../approx.js';
import { unaryOp } from './unary.js';

/** Sigmoid through the shared float32 approximation (see approx.ts). */
export const Sigmoid = unaryOp(() => sigmoidF32);
