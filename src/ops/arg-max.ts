import { cKernel } from './lowering.js';
import { argReduceOp } from './reduce.js';

/** ArgMax: the index of the largest element along `axis` (reduce.ts's argReduceOp). */
export const ArgMax = argReduceOp('ArgMax', (x, best) => x > best, cKernel('ecgc_argmax_f32', 'ecgc_argmax.c'));
