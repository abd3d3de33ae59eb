/** Per-node shapes, parameters and MACs of a graph: what `ecgc inspect` reports. */
import { opDef } from '../ops/index.js';
import { opContext } from '../ir/context.js';
import type { Graph, Tensor } from '../ir/graph.js';
import { sizeOf, windowsPerRun } from '../ir/graph.js';

export interface NodeSummary {
  name: string;
  op: string;
  /** Shapes of the run-time inputs (constants excluded), per run. */
  inputShapes: number[][];
  outputShapes: number[][];
  /** Float32 constants the node reads (weights, biases, affine parameters). */
  params: number;
  macs: number;
}

export interface GraphSummary {
  opset: number;
  /** Windows one run takes: shapes, parameters' uses and MACs are per run. */
  batch: number;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  nodes: NodeSummary[];
  totals: { nodes: number; params: number; weightBytesFloat32: number; macs: number };
}

/** A parameter: a float32 constant, or an int8 one (an integer layer's weight codes). */
const isWeight = (t: Tensor | undefined) => t?.dtype === 'float32' || t?.dtype === 'int8';

export function summarize(graph: Graph): GraphSummary {
  const shapeOf = (name: string) => graph.values.get(name)?.shape ?? [];
  const nodes = graph.nodes.map((node): NodeSummary => {
    const ctx = opContext(graph, node);
    const def = opDef(node);
    const outputs = node.outputs.map((o) => graph.values.get(o)!);
    const constants = node.inputs.map((name) => graph.constants.get(name)).filter(isWeight);
    return {
      name: node.name,
      op: node.op,
      inputShapes: node.inputs.filter((name) => name !== '' && !graph.constants.has(name)).map(shapeOf),
      outputShapes: node.outputs.map(shapeOf),
      params: constants.reduce((sum, t) => sum + sizeOf(t!.shape), 0),
      macs: def.macs?.(ctx, outputs) ?? 0,
    };
  });
  // A constant read by several nodes is stored once.
  const weights = new Set(graph.nodes.flatMap((n) => n.inputs).filter((name) => isWeight(graph.constants.get(name))));
  const params = [...weights].reduce((sum, name) => sum + sizeOf(graph.constants.get(name)!.shape), 0);
  return {
    opset: graph.opset,
    batch: windowsPerRun(graph),
    inputs: graph.inputs.map((name) => ({ name, shape: shapeOf(name) })),
    outputs: graph.outputs.map((name) => ({ name, shape: shapeOf(name) })),
    nodes,
    totals: { nodes: nodes.length, params, weightBytesFloat32: params * 4, macs: nodes.reduce((sum, n) => sum + n.macs, 0) },
  };
}
