import { predicateOp } from './binary.js';

/** Xor of two bool tensors, with broadcasting. */
export const Xor = predicateOp('Xor', 'ecgc_xor', ['bool'], (a, b) => a !== b, ['bool']);
