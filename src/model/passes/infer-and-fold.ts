/**
 * Shape inference and constant folding, in one sweep over the nodes in order: folding
 * needs shapes (Shape of a tensor) and inference needs folded values (the target shape of
 * a Reshape built from Shape/Gather/Concat), so they cannot be separate passes.
 */
import { fail } from '../../errors.js';
import { opDef } from '../../ops/index.js';
import { roundedKernel } from '../../ref/rounding.js';
import { type OpContext, opContext } from '../../ir/context.js';
import { DTYPES, type Graph, type Node, type Tensor, type ValueInfo, sizeOf } from '../../ir/graph.js';

/** `keep`: nodes left unfolded even on constants (a quantized weight's DequantizeLinear, which absorb-quantization.ts reads). */
export function inferAndFold(graph: Graph, keep: (node: Node) => boolean = () => false): Graph {
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
    const foldable = def.shapeOnly || (node.inputs.every((name) => name === '' || graph.constants.has(name)) && !keep(node));
    if (foldable) {
      const tensors = evaluate(ctx, outputs);
      node.outputs.forEach((name, i) => graph.constants.set(name, tensors[i]));
      continue;
    }
    nodes.push(node);
  }
  return { ...graph, nodes };
}


/** A node's outputs from its inputs' constants (every run-time input a view's or a shape-only op's). */
function evaluate(ctx: OpContext, outputs: ValueInfo[]): Tensor[] {
  const def = opDef(ctx.node);
  const data = outputs.map((info) => new DTYPES[info.dtype].array(sizeOf(info.shape)));
  const inputs = ctx.constants.map((c) => c?.data ?? new Float32Array(0));
  if (def.view) data[0].set(inputs[0]);
  else roundedKernel(def.prepare(ctx, outputs), outputs)(inputs, data);
  return outputs.map((info, i) => ({ ...info, data: data[i] }) as Tensor);
}

/** The outputs of a node whose inputs are all constants of `graph`, computed as folding computes them. */
export function evaluateConstants(graph: Graph, node: Node): Tensor[] {
  const ctx = opContext(graph, node);
  return evaluate(ctx, opDef(node).infer(ctx));
}
