import { cKernel } from './lowering.js';
import { argReduceOp } from './reduce.js';

/** ArgMin: the index of the smallest element along `axis` (reduce.ts's argReduceOp). */
export const ArgMin = argReduceOp('ArgMin', (x, best) => x < best, cKernel('ecgc_argmin_f32', 'ecgc_argmax.c'));
