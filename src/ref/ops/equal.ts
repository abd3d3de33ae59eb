/** Equal: 1 where a == b, else 0, as an int64 (bool) tensor; folds shape checks torch exports. */
import type { OpDef } from '../op.js';
import { binaryOp } from './binary.js';

const compare = binaryOp((a, b) => +(a === b));

export const Equal: OpDef = {
  infer: (ctx) => compare.infer(ctx).map((info) => ({ ...info, dtype: 'int64' })),
  prepare: compare.prepare,
};
