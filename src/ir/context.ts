import { fail } from '../errors.js';
import type { OpContext } from '../ops/op.js';
import type { Graph, Node } from './graph.js';

/** The view of a node that op definitions work from: input types, shapes and constants. */
export function opContext(graph: Graph, node: Node): OpContext {
  return {
    node,
    opset: graph.opset,
    inputs: node.inputs.map((name) => {
      if (name === '') return undefined;
      return graph.values.get(name) ?? fail(`node '${node.name}' (${node.op}): input '${name}' is not produced by any node, initializer or graph input`);
    }),
    constants: node.inputs.map((name) => (name === '' ? undefined : graph.constants.get(name))),
  };
}
