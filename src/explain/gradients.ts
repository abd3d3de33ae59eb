/**
 * The reverse pass over a graph: the gradient of a score, a weighted sum of the graph's
 * output, with respect to chosen values, through each op's `gradient` (src/ops/gradient.ts)
 * at the values a reference run leaves behind. Only the nodes between the chosen values and
 * the output run backwards; a node there whose op has no gradient is refused by name.
 */
import { fail } from '../errors.js';
import { type Graph, type TensorData, sizeOf, windowsPerRun } from '../ir/graph.js';
import { opContext } from '../ir/context.js';
import type { GradientKernel } from '../ops/gradient.js';
import { opDef } from '../ops/index.js';
import { compileTraced } from '../ref/interpreter.js';

export interface GradientGraph {
  /** Windows one run takes (the graph's batch). */
  batch: number;
  inputSizes: number[];
  /** Runs the graph on one run's inputs, keeping every value; returns its outputs. */
  forward(inputs: TensorData[]): Float32Array[];
  /** A value as the last forward run left it. */
  value(name: string): TensorData;
  /** After forward: the gradient of Σ seed[i] · output[i] (the graph's first output) with respect to each of `wrt`, in order. */
  backward(seed: Float64Array): Float64Array[];
}

/** `method` names what needs the gradients, for the refusal of an op that has none. */
export function differentiate(graph: Graph, wrt: readonly string[], method: string): GradientGraph {
  const traced = compileTraced(graph);
  const output = graph.outputs[0];
  // Values the chosen ones flow into, and values that flow into the output.
  const downstream = new Set(wrt);
  for (const node of graph.nodes) if (node.inputs.some((i) => downstream.has(i))) node.outputs.forEach((o) => o && downstream.add(o));
  const upstream = new Set([output]);
  for (const node of [...graph.nodes].reverse()) if (node.outputs.some((o) => upstream.has(o))) node.inputs.forEach((i) => i && upstream.add(i));
  const carries = (name: string) => downstream.has(name) && upstream.has(name);
  for (const name of wrt) if (!upstream.has(name)) fail(`${method}: the output '${output}' does not depend on '${name}'`);

  // One float64 buffer per value the gradient passes through; a view shares its input's.
  const grads = new Map<string, Float64Array>();
  const sizeOfValue = (name: string) => sizeOf(graph.values.get(name)?.shape ?? fail(`internal: value '${name}' has no shape`));
  const gradOf = (name: string): Float64Array => {
    let g = grads.get(name);
    if (!g) grads.set(name, (g = new Float64Array(sizeOfValue(name))));
    return g;
  };
  for (const name of wrt) gradOf(name);
  interface Step {
    kernel: GradientKernel;
    inputs: TensorData[];
    outputs: TensorData[];
    outputGrads: Float64Array[];
    inputGrads: (Float64Array | undefined)[];
  }
  const steps: Step[] = [];
  for (const node of graph.nodes) {
    if (!node.outputs.some(carries) || !node.inputs.some(carries)) continue;
    const def = opDef(node);
    if (def.view) {
      grads.set(node.outputs[0], gradOf(node.inputs[0]));
      continue;
    }
    if (!def.gradient) fail(`${method} needs the gradient through node '${node.name}' (${node.op}), which ecgc does not differentiate; --method shap explains any model`);
    const ctx = opContext(graph, node);
    const infos = node.outputs.map((name) => graph.values.get(name) ?? { dtype: 'float32' as const, shape: [0] });
    steps.push({
      kernel: def.gradient(ctx, infos),
      inputs: node.inputs.map((name) => (name === '' ? new Float32Array(0) : traced.value(name))),
      outputs: node.outputs.map((name) => (name === '' ? new Float32Array(0) : traced.value(name))),
      // an output the score does not depend on has a zero gradient
      outputGrads: node.outputs.map((name) => (carries(name) ? gradOf(name) : new Float64Array(name === '' ? 0 : sizeOfValue(name)))),
      inputGrads: node.inputs.map((name) => (carries(name) ? gradOf(name) : undefined)),
    });
  }
  const outputGrad = gradOf(output);
  const wrtGrads = wrt.map(gradOf);
  const buffers = [...new Set(grads.values())];
  return {
    batch: windowsPerRun(graph),
    inputSizes: traced.inputSizes,
    forward: (inputs) => traced.run(inputs),
    value: traced.value,
    backward(seed) {
      for (const b of buffers) b.fill(0);
      outputGrad.set(seed);
      for (let s = steps.length - 1; s >= 0; s--) {
        const step = steps[s];
        step.kernel(step.inputs, step.outputs, step.outputGrads, step.inputGrads);
      }
      return wrtGrads;
    },
  };
}
