/**
 * The reference interpreter: runs a graph with exact float32 semantics (each op documents
 * its rounding and summation order), one run of the graph's batch of windows at a time.
 *
 * Compiling allocates one buffer per value and one closure per node; a run then allocates
 * nothing. View ops (Reshape, Flatten, Squeeze, Unsqueeze) share buffers.
 */
import { fail } from '../errors.js';
import { DTYPES, type Graph, type TensorData, sizeOf, windowsPerRun } from '../ir/graph.js';
import { opContext } from '../ir/context.js';
import { opDef } from '../ops/index.js';
import { referenceKernel } from './fast/index.js';
import { roundedKernel } from './rounding.js';

export interface CompiledGraph {
  /** Windows one run takes (the graph's batch). */
  batch: number;
  /** Values of each input and output of one run (all its windows). */
  inputSizes: number[];
  outputSizes: number[];
  /** One run: inputs are read, outputs are views valid until the next run. */
  run(inputs: TensorData[]): Float32Array[];
}

export function compileGraph(graph: Graph): CompiledGraph {
  return compileTraced(graph);
}

/** A compiled graph whose every value stays readable after a run (the reverse pass of src/explain reads them). */
export interface TracedGraph extends CompiledGraph {
  /** The buffer of a value (a view's is its input's): valid until the next run. */
  value(name: string): TensorData;
}

export function compileTraced(graph: Graph): TracedGraph {
  const { inputBuffers, steps, outputBuffers, buffers } = build(graph);
  return {
    value: (name) => buffers.get(name) ?? fail(`internal: no value '${name}'`),
    batch: windowsPerRun(graph),
    inputSizes: inputBuffers.map((b) => b.length),
    outputSizes: outputBuffers.map((b) => b.length),
    run(inputs) {
      for (let i = 0; i < inputs.length; i++) inputBuffers[i].set(inputs[i]);
      for (let s = 0; s < steps.length; s++) steps[s].run();
      return outputBuffers;
    },
  };
}

interface Step {
  /** Index of the node in graph.nodes. */
  node: number;
  ins: TensorData[];
  outs: TensorData[];
  run: () => void;
}

function build(graph: Graph) {
  const buffers = new Map<string, TensorData>();
  for (const [name, tensor] of graph.constants) buffers.set(name, tensor.data);
  const bufferOf = (name: string): TensorData =>
    buffers.get(name) ?? fail(`internal: value '${name}' is used before it is computed`);
  /** A value's buffer, a typed array of its data type. */
  const allocate = (name: string): TensorData => {
    const info = graph.values.get(name) ?? fail(`internal: value '${name}' has no shape`);
    const buffer = new DTYPES[info.dtype].array(sizeOf(info.shape));
    buffers.set(name, buffer);
    return buffer;
  };

  const inputBuffers = graph.inputs.map(allocate);
  const steps: Step[] = [];
  graph.nodes.forEach((node, index) => {
    const def = opDef(node);
    const ctx = opContext(graph, node);
    const ins = node.inputs.map((name) => (name === '' ? new Float32Array(0) : bufferOf(name)));
    if (def.view) {
      buffers.set(node.outputs[0], ins[0]);
      return;
    }
    // an omitted output ('': nothing reads it) gets an empty buffer
    const outputInfos = node.outputs.map((name) => (name === '' ? { dtype: 'float32' as const, shape: [0] } : (graph.values.get(name) ?? fail(`internal: output '${name}' has no shape`))));
    const kernel = roundedKernel(referenceKernel(def)(ctx, outputInfos), outputInfos);
    const outs = node.outputs.map((name) => (name === '' ? new Float32Array(0) : allocate(name)));
    steps.push({ node: index, ins, outs, run: () => kernel(ins, outs) });
  });
  const outputBuffers = graph.outputs.map((name) => bufferOf(name) as Float32Array);
  return { inputBuffers, steps, outputBuffers, buffers, constantBuffers: new Set<TensorData>([...graph.constants.values()].map((t) => t.data)) };
}

/**
 * A compiled graph that can stop before any node and resume from there: the compressor
 * caches, for every sample, the values that cross the cut before the first layer it
 * changes, and evaluates candidates from that cut on. Same kernels and buffers as
 * compileGraph, so a resumed run computes exactly what a whole run computes.
 */
export interface SteppedGraph {
  batch: number;
  inputSizes: number[];
  outputSizes: number[];
  nodeCount: number;
  /** Floats in the state at `cut`: the values computed before node `cut` (or graph inputs) that nodes from `cut` on, or the graph outputs, read. */
  stateSize(cut: number): number;
  /** Copies the state at `cut` into `into` at `offset`. */
  saveState(cut: number, into: Float32Array, offset: number): void;
  loadState(cut: number, from: Float32Array, offset: number): void;
  /** Copies one run's inputs into the graph's input buffers. */
  setInputs(inputs: Float32Array[]): void;
  /** Runs nodes [from, to) (views cost nothing). */
  runNodes(from: number, to: number): void;
  /** The graph outputs after runNodes(..., nodeCount); views valid until the next run. */
  outputs: Float32Array[];
}

export function compileStepped(graph: Graph): SteppedGraph {
  const { inputBuffers, steps, outputBuffers, constantBuffers } = build(graph);
  const nodeCount = graph.nodes.length;
  // int64 indices (ArgMax's) are state too: they pass through the float32 state exactly (below 2^24).
  const states = new Map<number, TensorData[]>();
  const stateAt = (cut: number): TensorData[] => {
    let state = states.get(cut);
    if (!state) {
      const later = steps.filter((s) => s.node >= cut);
      const written = new Set<TensorData>(later.flatMap((s) => s.outs));
      const read = [...inputBuffers, ...later.flatMap((s) => s.ins), ...outputBuffers];
      state = [...new Set(read)].filter((b) => b.length > 0 && !written.has(b) && !constantBuffers.has(b));
      // Graph inputs no later node reads are not state.
      state = state.filter((b) => !(inputBuffers as TensorData[]).includes(b) || later.some((s) => s.ins.includes(b)) || (outputBuffers as TensorData[]).includes(b));
      states.set(cut, state);
    }
    return state;
  };
  const firstStep = (node: number) => {
    const i = steps.findIndex((s) => s.node >= node);
    return i < 0 ? steps.length : i;
  };
  return {
    batch: windowsPerRun(graph),
    inputSizes: inputBuffers.map((b) => b.length),
    outputSizes: outputBuffers.map((b) => b.length),
    nodeCount,
    stateSize: (cut) => stateAt(cut).reduce((sum, b) => sum + b.length, 0),
    saveState(cut, into, offset) {
      for (const b of stateAt(cut)) {
        into.set(b, offset);
        offset += b.length;
      }
    },
    loadState(cut, from, offset) {
      for (const b of stateAt(cut)) {
        b.set(from.subarray(offset, offset + b.length));
        offset += b.length;
      }
    },
    setInputs(inputs) {
      for (let i = 0; i < inputs.length; i++) inputBuffers[i].set(inputs[i]);
    },
    runNodes(from, to) {
      for (let s = firstStep(from), end = firstStep(to); s < end; s++) steps[s].run();
    },
    outputs: outputBuffers,
  };
}

/** Values of one run's windows: each window is the concatenation of the graph's inputs' values, in order. */
export function runInputSize(compiled: Pick<CompiledGraph, 'inputSizes'>): number {
  return compiled.inputSizes.reduce((sum, size) => sum + size, 0);
}

/** One run's windows (see runInputSize) as the graph's input tensors: the run itself for one input. */
export function runInputs(compiled: Pick<CompiledGraph, 'inputSizes' | 'batch'>, run: Float32Array): Float32Array[] {
  const { inputSizes, batch } = compiled;
  if (inputSizes.length === 1) return [run];
  const perWindow = inputSizes.map((size) => size / batch);
  const window = perWindow.reduce((sum, size) => sum + size, 0);
  const tensors = inputSizes.map((size) => new Float32Array(size));
  for (let w = 0; w < batch; w++) {
    let at = w * window;
    perWindow.forEach((size, i) => {
      tensors[i].set(run.subarray(at, at + size), w * size);
      at += size;
    });
  }
  return tensors;
}

/**
 * Whole runs of windows (see runInputSize) as a C harness reads them: per run, each input's
 * values for the run's windows, input after input. The same array for one input or a batch of 1.
 */
export function harnessLayout(graph: Graph, windows: Float32Array): Float32Array {
  const compiled = { inputSizes: graph.inputs.map((value) => sizeOf(graph.values.get(value)!.shape)), batch: windowsPerRun(graph) };
  if (compiled.inputSizes.length === 1 || compiled.batch === 1) return windows;
  const inRun = runInputSize(compiled);
  const layout = new Float32Array(windows.length);
  for (let at = 0; at < windows.length; at += inRun) {
    let to = at;
    for (const tensor of runInputs(compiled, windows.subarray(at, at + inRun))) {
      layout.set(tensor, to);
      to += tensor.length;
    }
  }
  return layout;
}

/**
 * Runs `count` windows stored back to back in `input` (each window every graph input's values, one output) in runs of
 * the graph's batch, returning their outputs back to back. The last run's missing windows are
 * zeros (wholeRuns), their outputs dropped: windows never mix, a graph's batch entries are
 * computed apart.
 */
export function runBatch(compiled: CompiledGraph, input: Float32Array, count: number): Float32Array {
  const { batch } = compiled;
  const [inRun, outRun] = [runInputSize(compiled), compiled.outputSizes[0]];
  if (input.length !== count * (inRun / batch)) fail(`internal: ${count} windows need ${count * (inRun / batch)} values, got ${input.length}`);
  const { input: runs, windows } = wholeRuns(input, count, batch);
  const output = new Float32Array(windows * (outRun / batch));
  for (let r = 0; r < windows / batch; r++) output.set(compiled.run(runInputs(compiled, runs.subarray(r * inRun, (r + 1) * inRun)))[0], r * outRun);
  return windows === count ? output : output.slice(0, count * (outRun / batch));
}

/** `count` windows padded with zero windows to whole runs of `batch`, as a run (and a C harness) reads them. */
export function wholeRuns(input: Float32Array, count: number, batch: number): { input: Float32Array; windows: number } {
  const windows = Math.ceil(count / batch) * batch;
  if (windows === count) return { input, windows };
  const inSize = input.length / count;
  const padded = new Float32Array(windows * inSize);
  padded.set(input.subarray(0, count * inSize));
  return { input: padded, windows };
}
