/**
 * The depth-first schedule (`--schedule stream`): chains of 1-D Conv layers, with the
 * element-wise ops between them and an optional closing GlobalAveragePool/GlobalMaxPool,
 * run by runtime-c/ecgc_stream.c one time step at a time. Only each layer's last
 * (kernel-1)*dilation+1 input columns are stored, never a whole intermediate tensor; the
 * outputs are the layer-by-layer ones bit for bit (same sums, same order).
 */
import type { Graph, Node } from '../ir/graph.js';

export interface StreamStage {
  conv: Node;
  /** Element-wise ops applied to each output column (Relu, Clip, ..., ChannelAffine). */
  post: Node[];
}

export interface StreamChain {
  stages: StreamStage[];
  /** The closing reduction over time, if any. */
  reduce?: Node;
  input: string;
  output: string;
  nodes: Node[];
}

/** Ops applied element by element (or per channel) that a stage applies to each output column. */
export const STREAM_POST_OPS = new Set(['Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'Erf', 'Sqrt', 'Reciprocal', 'Neg', 'Pow', 'ChannelAffine']);
const REDUCE_OPS = new Set(['GlobalAveragePool', 'GlobalMaxPool']);

/** Chains of at least two Conv layers, each value inside used by the next op only. */
export function findStreamChains(graph: Graph): StreamChain[] {
  const consumers = new Map<string, Node[]>();
  for (const node of graph.nodes) for (const input of node.inputs) if (input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const isRuntime = (name: string) => !graph.constants.has(name);
  const streamable = (node: Node) =>
    node.op === 'Conv' && graph.values.get(node.inputs[0])?.shape.length === 3 && graph.values.get(node.inputs[0])?.shape[0] === 1 &&
    graph.constants.has(node.inputs[1]) && (!node.inputs[2] || graph.constants.has(node.inputs[2]));
  /** The only consumer of a value that is not a graph output, reading it as its one run-time input. */
  const next = (value: string): Node | undefined => {
    const users = consumers.get(value) ?? [];
    if (users.length !== 1 || graph.outputs.includes(value)) return undefined;
    const user = users[0];
    return user.inputs.filter((i) => i && isRuntime(i)).length === 1 && user.inputs[0] === value ? user : undefined;
  };

  const chains: StreamChain[] = [];
  const taken = new Set<Node>();
  for (const start of graph.nodes) {
    if (taken.has(start) || !streamable(start) || !isRuntime(start.inputs[0])) continue;
    const chain: StreamChain = { stages: [{ conv: start, post: [] }], input: start.inputs[0], output: start.outputs[0], nodes: [start] };
    for (let node = next(chain.output); node; node = next(chain.output)) {
      if (streamable(node)) chain.stages.push({ conv: node, post: [] });
      else if (STREAM_POST_OPS.has(node.op)) chain.stages[chain.stages.length - 1].post.push(node);
      else if (REDUCE_OPS.has(node.op)) chain.reduce = node;
      else break;
      chain.nodes.push(node);
      chain.output = node.outputs[0];
      if (chain.reduce) break;
    }
    if (chain.stages.length < 2) continue;
    for (const node of chain.nodes) taken.add(node);
    chains.push(chain);
  }
  return chains;
}
