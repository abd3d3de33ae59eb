/**
 * --batch 1: a graph exported with a fixed batch N (torch.onnx.export(model, batch_of_4)),
 * read as one window per call. The inputs' leading dimension becomes 1, and so does every
 * batch a node's constants restate (a Reshape target [N, ...]: src/ops); inference then
 * shows whether the rest of the graph allows it, and load.ts names the node when it does not.
 */
import { fail } from '../../errors.js';
import { opDef } from '../../ops/index.js';
import type { Graph } from '../../ir/graph.js';

export function rebatch(graph: Graph): Graph {
  const shapes = graph.inputs.map((name) => graph.values.get(name)!.shape);
  const n = shapes[0]?.[0];
  if (n === undefined || n === 1) return graph;
  if (shapes.some((shape) => shape[0] !== n)) fail(`--batch 1: the graph's inputs have different batches (${shapes.map((s) => s[0]).join(', ')})`);
  graph.inputs.forEach((name, i) => graph.values.set(name, { ...graph.values.get(name)!, shape: [1, ...shapes[i].slice(1)] }));
  for (const node of graph.nodes) opDef(node).rebatch?.(node, graph, n);
  return graph;
}
