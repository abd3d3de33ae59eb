/**
 * The reference interpreter: runs a graph on one sample at a time with exact float32
 * semantics (each op documents its rounding and summation order).
 *
 * Compiling allocates one buffer per value and one closure per node; running a sample
 * then allocates nothing. View ops (Reshape, Flatten, Squeeze, Unsqueeze) share buffers.
 */
import { fail } from '../errors.js';
import { type Graph, type TensorData, sizeOf } from '../ir/graph.js';
import { opContext } from '../ir/context.js';
import { opDef } from './ops/index.js';

export interface CompiledGraph {
  inputSizes: number[];
  outputSizes: number[];
  /** Runs one sample: inputs are read, outputs are views valid until the next call. */
  run(inputs: Float32Array[]): Float32Array[];
}

export function compileGraph(graph: Graph): CompiledGraph {
  const buffers = new Map<string, TensorData>();
  for (const [name, tensor] of graph.constants) buffers.set(name, tensor.data);
  const bufferOf = (name: string): TensorData =>
    buffers.get(name) ?? fail(`internal: value '${name}' is used before it is computed`);
  const allocate = (name: string): Float32Array => {
    const info = graph.values.get(name) ?? fail(`internal: value '${name}' has no shape`);
    if (info.dtype !== 'float32') fail(`value '${name}' is an integer tensor computed at run time; ecgc runs float32 graphs only`);
    const buffer = new Float32Array(sizeOf(info.shape));
    buffers.set(name, buffer);
    return buffer;
  };

  const inputBuffers = graph.inputs.map(allocate);
  const steps: (() => void)[] = [];
  for (const node of graph.nodes) {
    const def = opDef(node);
    const ctx = opContext(graph, node);
    const ins = node.inputs.map((name) => (name === '' ? new Float32Array(0) : bufferOf(name)));
    if (def.view) {
      buffers.set(node.outputs[0], ins[0]);
      continue;
    }
    const outputInfos = node.outputs.map((name) => graph.values.get(name) ?? fail(`internal: output '${name}' has no shape`));
    const kernel = def.prepare(ctx, outputInfos);
    const outs = node.outputs.map(allocate);
    steps.push(() => kernel(ins, outs));
  }
  const outputBuffers = graph.outputs.map((name) => bufferOf(name) as Float32Array);

  return {
    inputSizes: inputBuffers.map((b) => b.length),
    outputSizes: outputBuffers.map((b) => b.length),
    run(inputs) {
      for (let i = 0; i < inputs.length; i++) inputBuffers[i].set(inputs[i]);
      for (let s = 0; s < steps.length; s++) steps[s]();
      return outputBuffers;
    },
  };
}

/**
 * Runs `count` samples stored back to back in `input` (one graph input, one output),
 * returning the outputs back to back.
 */
export function runBatch(compiled: CompiledGraph, input: Float32Array, count: number): Float32Array {
  const [inSize] = compiled.inputSizes;
  const [outSize] = compiled.outputSizes;
  if (input.length !== count * inSize) fail(`internal: batch of ${count} needs ${count * inSize} values, got ${input.length}`);
  const output = new Float32Array(count * outSize);
  for (let n = 0; n < count; n++) {
    const [y] = compiled.run([input.subarray(n * inSize, (n + 1) * inSize)]);
    output.set(y, n * outSize);
  }
  return output;
}
