/** Dropout at inference: Identity (its mask output must be unused); training mode (a constant true training_mode, opset 12 on) is refused. */
import type { Graph, Node } from '../ir/graph.js';
import { fail } from '../errors.js';
import { Identity } from './identity.js';
import type { OpDef } from './op.js';
import { where } from './shapes.js';

const training = (node: Node, graph: Graph) => (node.inputs[2] ? graph.constants.get(node.inputs[2])?.data[0] !== 0 : false);

export const Dropout: OpDef = {
  ...Identity,
  op: 'Dropout',
  passThrough: (node, graph) => !training(node, graph),
  infer(ctx) {
    if (ctx.constants[2]?.data[0] !== 0 && ctx.inputs[2]) fail(`${where(ctx.node)}: training mode (random dropout) is not supported; ecgc compiles inference`);
    return Identity.infer(ctx);
  },
};
