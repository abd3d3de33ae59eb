import { predicateOp } from './binary.js';

/** And of two bool tensors, with broadcasting. */
export const And = predicateOp('And', 'ecgc_and', ['bool'], (a, b) => a !== 0 && b !== 0, ['bool']);
