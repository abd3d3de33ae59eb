/**
 * Dropout: y = x, and the mask (bool) all true. That is inference (no training_mode, or a
 * constant false), and training mode with ratio 0, the one deterministic case; a random
 * dropout (training mode, ratio above 0) is refused. Without a used mask the node is removed
 * at import (eliminate-identities); a kept one copies in C (ecgc_dropout_f32).
 */
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { sizeOf } from '../ir/graph.js';
import { fail } from '../errors.js';
import { cKernel } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, where } from './shapes.js';

const DROPOUT_F32 = cKernel('ecgc_dropout_f32', 'ecgc_copy.c');

/** The probability of dropping an element: 0 outside training mode. Inputs 1 (ratio, default 0.5) and 2 (training_mode) from opset 12. */
function dropRatio(node: Node, constant: (i: number) => Tensor | undefined): number {
  if (!node.inputs[2]) return 0;
  const training = constant(2) ?? fail(`${where(node)}: training_mode must be a constant; ecgc cannot compute it at run time`);
  if (training.data[0] === 0) return 0;
  if (!node.inputs[1]) return 0.5;
  const ratio = constant(1) ?? fail(`${where(node)}: the ratio must be a constant in training mode; ecgc cannot compute it at run time`);
  return ratio.data[0];
}

const maskUsed = (node: Node, graph: Graph) => !!node.outputs[1] && (graph.outputs.includes(node.outputs[1]) || graph.nodes.some((n) => n.inputs.includes(node.outputs[1])));

function checked(ctx: OpContext): void {
  const ratio = dropRatio(ctx.node, (i) => ctx.constants[i]);
  if (ratio !== 0) fail(`${where(ctx.node)}: training mode with ratio ${ratio} (random dropout) is not supported; only ratio 0 is deterministic`);
}

export const Dropout: OpDef = {
  op: 'Dropout',
  passThrough: (node, graph) => dropRatio(node, (i) => graph.constants.get(node.inputs[i])) === 0 && !maskUsed(node, graph),
  cTypes: ['bool'],
  infer(ctx) {
    checked(ctx);
    const y = { dtype: ctx.inputs[0]!.dtype, shape: inputShape(ctx, 0) };
    // the mask is bool from opset 10, the input's type before
    return ctx.node.outputs[1] ? [y, { dtype: ctx.opset >= 10 ? 'bool' : y.dtype, shape: y.shape }] : [y];
  },
  prepare(ctx) {
    checked(ctx);
    return ([x], [y, mask]) => {
      y.set(x);
      mask?.fill(1);
    };
  },
  lower(ctx, _outputs, c) {
    const [x, y, mask] = [ctx.node.inputs[0], ctx.node.outputs[0], ctx.node.outputs[1]];
    if (mask && ctx.opset < 10) fail(`${where(ctx.node)}: a float32 mask (opset ${ctx.opset}, before 10) has no C kernel`);
    const written = [y, mask].filter((name) => !!name);
    c.step([DROPOUT_F32], (at) => `${DROPOUT_F32.name}(${at(x)}, ${y ? at(y) : 'NULL'}, ${mask ? at(mask) : 'NULL'}, ${sizeOf(inputShape(ctx, 0))});`, { outputs: written });
  },
};
