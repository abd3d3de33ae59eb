/** Equal: 1 where a == b, else 0, as an int64 (bool) tensor; folds shape checks torch exports (no C kernel: no run-time integers). */
import type { OpDef } from './op.js';
import { binaryOp } from './binary.js';

const compare = binaryOp('Equal', undefined, (a, b) => +(a === b));

export const Equal: OpDef = {
  op: compare.op,
  infer: (ctx) => compare.infer(ctx).map((info) => ({ ...info, dtype: 'int64' })),
  prepare: compare.prepare,
};
