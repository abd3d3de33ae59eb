/** Removes Identity and (inference-time) Dropout nodes by renaming their outputs. */
import { opDef } from '../../ops/index.js';
import { type Graph, replaceUses } from '../../ir/graph.js';

export function eliminateIdentities(graph: Graph): Graph {
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const graphOutputs = new Set(graph.outputs);
  const kept = [];
  for (const node of graph.nodes) {
    if (!opDef(node).passThrough?.(node, graph)) {
      kept.push(node);
      continue;
    }
    // a Dropout whose mask is used is kept (its passThrough says so)
    const [from] = node.inputs;
    const [to] = node.outputs;
    if (!graphOutputs.has(to)) {
      replaceUses(graph, to, from);
    } else if (produced.has(from) && !graphOutputs.has(from)) {
      // Keep the graph output's name: the producer writes it directly.
      for (const producer of graph.nodes) producer.outputs = producer.outputs.map((o) => (o === from ? to : o));
      replaceUses(graph, from, to);
    } else {
      kept.push(node); // an output that aliases a graph input or constant stays a view
      continue;
    }
  }
  return { ...graph, nodes: kept };
}
