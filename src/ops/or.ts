import { predicateOp } from './binary.js';

/** Or of two bool tensors, with broadcasting. */
export const Or = predicateOp('Or', 'ecgc_or', ['bool'], (a, b) => a !== 0 || b !== 0, ['bool']);
