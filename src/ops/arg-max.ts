import { cKernel } from './lowering.js';
import { argReduceOp } from './reduce.js';

export const ArgMax = argReduceOp('ArgMax', (x, best) => x > best, cKernel('ecgc_argmax_f32', 'ecgc_argmax.c'));
