import { broadcastKernel } from './binary.js';
import { variadicOp } from './variadic.js';

/** Min of 1..n inputs: a later input wins only when smaller. */
export const Min = variadicOp('Min', { fn: (acc, x) => (x < acc ? x : acc), c: { kernel: broadcastKernel('ecgc_min_f32'), leading: '' } });
