/**
 * Shape inference and constant folding, in one sweep over the nodes in order: folding
 * needs shapes (Shape of a tensor) and inference needs folded values (the target shape of
 * a Reshape built from Shape/Gather/Concat), so they cannot be separate passes.
 */
import { fail } from '../../errors.js';
import { opDef } from '../../ref/ops/index.js';
import { opContext } from '../context.js';
import { type Graph, type Node, type Subgraph, type Tensor, sizeOf } from '../graph.js';

/** Ops computed from their input's shape alone, so foldable whatever the input holds. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

export function inferAndFold(graph: Graph): Graph {
  const nodes: Node[] = [];
  const pending = [...graph.nodes];
  for (let index = 0; index < pending.length; index++) {
    const node = pending[index];
    if (node.op === 'If') {
      pending.splice(index + 1, 0, ...inlineBranch(graph, node));
      continue;
    }
    const def = opDef(node);
    const ctx = opContext(graph, node);
    const outputs = def.infer(ctx);
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      if (!outputs[i]) fail(`node '${node.name}' (${node.op}): output ${i} ('${name}') is not supported`);
      graph.values.set(name, outputs[i]);
    });
    const foldable = SHAPE_ONLY.has(node.op) || node.inputs.every((name) => name === '' || graph.constants.has(name));
    if (foldable) {
      const data = node.outputs.map((_, i) => (outputs[i].dtype === 'float32' ? new Float32Array(sizeOf(outputs[i].shape)) : new Float64Array(sizeOf(outputs[i].shape))));
      const inputs = ctx.constants.map((c) => c?.data ?? new Float32Array(0));
      if (def.view) data[0].set(inputs[0]);
      else def.prepare(ctx, outputs)(inputs, data);
      node.outputs.forEach((name, i) => graph.constants.set(name, { ...outputs[i], data: data[i] } as Tensor));
      continue;
    }
    const integer = outputs.findIndex((o) => o.dtype !== 'float32');
    if (integer >= 0) {
      fail(`node '${node.name}' (${node.op}) computes the integer tensor '${node.outputs[integer]}' from run-time data; ecgc supports integer tensors only where they fold to constants (shapes, indices)`);
    }
    nodes.push(node);
  }
  return { ...graph, nodes };
}

/**
 * torch exports some shape checks as If nodes whose condition folds to a constant (a
 * squeeze after F.pad, for instance). The branch taken is spliced in; its outputs are
 * bound to the If's outputs through Identity views.
 */
function inlineBranch(graph: Graph, node: Node): Node[] {
  const condition = graph.constants.get(node.inputs[0]);
  if (!condition) fail(`node '${node.name}' (If): its condition depends on run-time data; ecgc supports If only when the condition is a constant`);
  const branch = node.attrs[condition.data[0] ? 'then_branch' : 'else_branch'] as Subgraph | undefined;
  if (!branch?.nodes) fail(`node '${node.name}' (If): the branch to take is missing`);
  for (const [name, tensor] of branch.constants) {
    if (graph.values.has(name)) fail(`node '${node.name}' (If): the branch redefines '${name}'`);
    graph.constants.set(name, tensor);
    graph.values.set(name, { dtype: tensor.dtype, shape: tensor.shape });
  }
  const bindings = node.outputs.map((output, i): Node => ({
    name: `${node.name}/output_${i}`,
    op: 'Identity',
    inputs: [branch.outputs[i]],
    outputs: [output],
    attrs: {},
  }));
  return [...branch.nodes, ...bindings];
}
