/**
 * Faster twins of some ops' reference kernels, for the interpreter: each computes what its
 * op's plain definition (src/ops) computes, bit for bit, and is tested against it
 * (test/ref/fast). Keyed by the definition, so no op is named twice.
 */
import { Conv } from '../../ops/conv.js';
import type { Kernel, OpDef } from '../../ops/op.js';
import { prepareConv } from './conv.js';
import { ConvS8 } from '../../ops/conv-s8.js';
import { prepareConvS8 } from './conv-s8.js';
import { MatMul } from '../../ops/mat-mul.js';
import { prepareMatMul } from './mat-mul.js';

const FAST = new Map<OpDef, OpDef['prepare']>([
  [Conv, prepareConv],
  [ConvS8, prepareConvS8],
  [MatMul, prepareMatMul],
]);

/** The kernel the interpreter runs for an op: its fast twin if it has one, else its definition. */
export function referenceKernel(def: OpDef): OpDef['prepare'] {
  const { elementwise } = def;
  if (elementwise) return (ctx) => inlinedLoop(elementwise(ctx));
  return FAST.get(def) ?? def.prepare;
}

/**
 * An element-wise op's loop, generated afresh for each node (new Function): its call of fn
 * sees one function, which V8 inlines; the definition's loop, shared by every op, calls
 * through (ReLU took 15% of a CNN's time). The same fn on the same values: the same bits.
 */
function inlinedLoop(fn: (x: number) => number): Kernel {
  return new Function('fn', 'return function unary([x], [y]) { for (let i = 0; i < y.length; i++) y[i] = fn(x[i]); };')(fn) as Kernel;
}
