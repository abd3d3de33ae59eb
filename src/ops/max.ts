import { broadcastKernel } from './binary.js';
import { variadicOp } from './variadic.js';

/** Max of 1..n inputs: a later input wins only when greater. */
export const Max = variadicOp('Max', { fn: (acc, x) => (x > acc ? x : acc), c: { kernel: broadcastKernel('ecgc_max_f32'), leading: '' } });
