/**
 * Shape inference and constant folding, in one sweep over the nodes in order: folding
 * needs shapes (Shape of a tensor) and inference needs folded values (the target shape of
 * a Reshape built from Shape/Gather/Concat), so they cannot be separate passes.
 */
import { fail } from '../../errors.js';
import { opDef } from '../../ops/index.js';
import { roundedKernel } from '../../ref/rounding.js';
import { opContext } from '../../ir/context.js';
import { DTYPES, type Graph, type Node, type Tensor, sizeOf } from '../../ir/graph.js';

export function inferAndFold(graph: Graph): Graph {
  const nodes: Node[] = [];
  const pending = [...graph.nodes];
  for (let index = 0; index < pending.length; index++) {
    const node = pending[index];
    const def = opDef(node);
    if (def.inline) {
      pending.splice(index + 1, 0, ...def.inline(graph, node));
      continue;
    }
    const ctx = opContext(graph, node);
    const outputs = def.infer(ctx);
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      if (!outputs[i]) fail(`node '${node.name}' (${node.op}): output ${i} ('${name}') is not supported`);
      graph.values.set(name, outputs[i]);
    });
    const foldable = def.shapeOnly || node.inputs.every((name) => name === '' || graph.constants.has(name));
    if (foldable) {
      const data = node.outputs.map((_, i) => new DTYPES[outputs[i].dtype].array(sizeOf(outputs[i].shape)));
      const inputs = ctx.constants.map((c) => c?.data ?? new Float32Array(0));
      if (def.view) data[0].set(inputs[0]);
      else roundedKernel(def.prepare(ctx, outputs), outputs)(inputs, data);
      node.outputs.forEach((name, i) => graph.constants.set(name, { ...outputs[i], data: data[i] } as Tensor));
      continue;
    }
    nodes.push(node);
  }
  return { ...graph, nodes };
}

