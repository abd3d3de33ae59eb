/**
 * Faster twins of some ops' reference kernels, for the interpreter: each computes what its
 * op's plain definition (src/ops) computes, bit for bit, and is tested against it
 * (test/ref/fast). Keyed by the definition, so no op is named twice.
 */
import { Conv } from '../../ops/conv.js';
import type { OpDef } from '../../ops/op.js';
import { prepareConv } from './conv.js';

const FAST = new Map<OpDef, OpDef['prepare']>([[Conv, prepareConv]]);

/** The kernel the interpreter runs for an op: its fast twin if it has one, else its definition. */
export function referenceKernel(def: OpDef): OpDef['prepare'] {
  return FAST.get(def) ?? def.prepare;
}
