/**
 * If, when its condition folds to a constant: torch exports some shape checks this way (a
 * squeeze after F.pad, for instance). The branch taken is spliced in before inference; its
 * outputs are bound to the If's outputs through Identity views.
 */
import { fail } from '../errors.js';
import type { Graph, Node, Subgraph } from '../ir/graph.js';
import { Identity } from './identity.js';
import type { OpDef } from './op.js';
import { where } from './shapes.js';

const inlinedFirst = (node: Node): never => fail(`internal: ${where(node)} reached inference; it is inlined before`);

export const If: OpDef = {
  op: 'If',
  infer: (ctx) => inlinedFirst(ctx.node),
  prepare: (ctx) => inlinedFirst(ctx.node),
  inline(graph: Graph, node: Node): Node[] {
    const condition = graph.constants.get(node.inputs[0]);
    if (!condition) fail(`${where(node)}: its condition depends on run-time data; ecgc supports If only when the condition is a constant`);
    const branch = node.attrs[condition.data[0] ? 'then_branch' : 'else_branch'] as Subgraph | undefined;
    if (!branch?.nodes) fail(`${where(node)}: the branch to take is missing`);
    for (const [name, tensor] of branch.constants) {
      if (graph.values.has(name)) fail(`${where(node)}: the branch redefines '${name}'`);
      graph.constants.set(name, tensor);
      graph.values.set(name, { dtype: tensor.dtype, shape: tensor.shape });
    }
    const bindings = node.outputs.map((output, i): Node => ({
      name: `${node.name}/output_${i}`,
      op: Identity.op,
      inputs: [branch.outputs[i]],
      outputs: [output],
      attrs: {},
    }));
    return [...branch.nodes, ...bindings];
  },
};
