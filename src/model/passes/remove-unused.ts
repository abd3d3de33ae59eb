/** Drops nodes, constants and values that no graph output depends on; a kept node's outputs that nothing reads become '' (omitted). */
import type { Graph, Node } from '../../ir/graph.js';

export function removeUnused(graph: Graph): Graph {
  const needed = new Set(graph.outputs);
  const nodes = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (!node.outputs.some((o) => needed.has(o))) continue;
    nodes.push(node);
    for (const input of node.inputs) if (input !== '') needed.add(input);
  }
  nodes.reverse();
  const dropUnread = (node: Node) => (node.outputs.every((o) => o === '' || needed.has(o)) ? node : { ...node, outputs: node.outputs.map((o) => (needed.has(o) ? o : '')) });
  for (const name of graph.inputs) needed.add(name);
  const constants = new Map([...graph.constants].filter(([name]) => needed.has(name)));
  const values = new Map([...graph.values].filter(([name]) => needed.has(name)));
  return { ...graph, nodes: nodes.map(dropUnread), constants, values };
}
