import { Identity } from './identity.js';

/** Dropout at inference: Identity (its mask output must be unused). */
export const Dropout = { ...Identity, op: 'Dropout' };
