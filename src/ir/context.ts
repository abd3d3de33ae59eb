import { fail } from '../errors.js';
import type { Graph, Node, Tensor, ValueInfo } from './graph.js';

/** The view of a node that op definitions work from (src/ops): its input types, shapes and constants. */
export interface OpContext {
  node: Node;
  opset: number;
  /** Type and shape of each input; undefined for an omitted optional input. */
  inputs: (ValueInfo | undefined)[];
  /** The data of each input that is a constant. */
  constants: (Tensor | undefined)[];
}

/** A node's OpContext in `graph`. */
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
