import { cKernel } from './lowering.js';
import { argReduceOp } from './reduce.js';

export const ArgMin = argReduceOp('ArgMin', (x, best) => x < best, cKernel('ecgc_argmin_f32', 'ecgc_argmax.c'));
