/**
 * Cost on a Cortex-M target, in executed instructions (QEMU has no cycle model: never cycles).
 * The model is built with a harness that calls a marker around each inference; a second
 * image, whose copy of <name>.c also calls the marker between kernel calls (the user's
 * generated code is not changed), gives the instructions of every layer. A TCG plugin counts
 * the instructions between marks exactly; the cost of a mark itself (measured by two marks in
 * a row) is subtracted. MACs per layer come from src/model/summary.ts.
 *
 * sparsitySweep measures one conv1d layer shape at rising sparsity, dense against the sparse
 * encodings, and finds the break-even sparsity at which a sparse encoding executes fewer
 * instructions than the dense one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_MISMATCH, EcgcError, fail } from '../errors.js';
import { type Generated, generate } from '../codegen/emit.js';
import type { Schedule } from '../codegen/lower.js';
import { expectedOutputs } from '../codegen/verify.js';
import type { DeviceCam } from '../explain/device.js';
import { cComment } from '../util/c.js';
import type { LayerQuantization } from '../codegen/weights.js';
import { quantizeLayer } from '../plan/quantize.js';
import { type Graph, type Node, inputWindowSize, windowsPerRun } from '../ir/graph.js';
import { optimize } from '../model/load.js';
import { summarize } from '../model/summary.js';
import { attrInt } from '../onnx/attributes.js';
import { buildModel } from '../onnx/build.js';
import { importModel } from '../onnx/import.js';
import type { Encoding } from '../pack/encode.js';
import { harnessLayout, wholeRuns } from '../ref/interpreter.js';
import { type LinkedModel, linkModel, runDevice, writeDeviceBuild } from '../toolchain/device.js';
import { instructionCountPlugin, readMarks, symbolAddress } from '../toolchain/plugin.js';
import type { ImageSizes } from '../toolchain/size.js';
import { type Board, type CortexTarget, DEFAULT_STACK_BYTES } from '../toolchain/targets.js';
import { withTemporaryDirectory } from '../util/files.js';

export const MARK = 'ecgc_bench_mark';

export interface LayerCost {
  node: string;
  op: string;
  /** dense conv, pointwise conv, depthwise conv, grouped conv, fc, or the op. */
  kind: string;
  macs: number;
  /** Mean over the runs (one <name>_run call each). */
  instructions: number;
}

export interface DeviceBench {
  name: string;
  target: CortexTarget;
  board: Board;
  optimization: string;
  windows: number;
  /** Mean instructions of one <name>_run call, from the image without per-layer marks. */
  perInference: number;
  layers: LayerCost[];
  /** <name>_run's own prologue, epilogue and output copy (per-layer image). */
  outsideLayers: number;
  /** Instructions of one mark (call and return), subtracted from every interval. */
  markCost: number;
  macs: number;
  sizes: ImageSizes;
  stackPeak: number;
  weightBytes: number;
  arenaBytes: number;
  /** With --explain: mean instructions of one <name>_explain call after a run. */
  explainInstructions: number | null;
}

export interface DeviceBenchOptions {
  name?: string;
  quantization?: Map<string, LayerQuantization>;
  schedule?: Schedule;
  streamBlock?: number;
  optimization?: string;
  stackBytes?: number;
  timeoutSeconds?: number;
  /** false: per-layer counts only (one image, one run). */
  perInference?: boolean;
  /** false: the whole image only, no per-layer counts. */
  perLayer?: boolean;
  /** --explain: <name>_explain too, its instructions counted after each run. */
  explain?: DeviceCam;
  /** The C already generated from `graph` with these options (ecgc compile's), measured as it is. */
  generated?: Generated;
}

export function layerKind(graph: Graph, node: Node): string {
  if (node.op === 'Conv') {
    const weight = graph.constants.get(node.inputs[1]);
    const group = attrInt(node, 'group', 1);
    if (weight && group > 1) return weight.shape[1] === 1 ? 'depthwise conv' : 'grouped conv';
    // pointwise: a kernel of one tap along every spatial axis
    return weight && weight.shape.slice(2).every((k) => k === 1) ? 'pointwise conv' : 'dense conv';
  }
  if (node.op === 'Gemm' || (node.op === 'MatMul' && node.inputs.some((i) => graph.constants.has(i)))) return 'fc';
  return node.op;
}

/**
 * <name>.c with a mark before every step of <name>_run and of <name>_finish, which _run calls
 * last when the model has a depth-first chain (each step starts with its comment line
 * "/* node (op) -> [shape] *\/"), and before the output copy; the steps in execution order.
 */
export function withLayerMarks(modelC: string, name: string): { text: string; steps: { node: string; op: string }[] } {
  const lines = modelC.split('\n');
  // _run's body (or _run_arena's, which _run calls with the static arena) and _finish's.
  const run = new RegExp(`^int ${name}_run(?:_arena)?\\([^)]*\\) \\{$`);
  const finish = new RegExp(`^static int ${name}_finish\\([^)]*\\) \\{$`);
  if (!lines.some((line) => run.test(line))) fail(`internal: ${name}.c has no ${name}_run definition to mark`);
  const steps = { run: [] as { node: string; op: string }[], finish: [] as { node: string; op: string }[] };
  const out: string[] = [];
  let inside: keyof typeof steps | undefined;
  for (const line of lines) {
    if (run.test(line)) inside = 'run';
    else if (finish.test(line)) inside = 'finish';
    else if (line === '}') inside = undefined;
    const step = inside ? /^ {2}\/\* (.*) \(([A-Za-z0-9_]+)\) -> \[[\d, ]*\] \*\/$/.exec(line) : null;
    if (step) steps[inside!].push({ node: step[1], op: step[2] });
    if (step || (inside && line.startsWith('  memcpy(output, '))) out.push(`  ${MARK}();`);
    out.push(line);
    if (line === `#include "${name}.h"`) out.push(`void ${MARK}(void);`);
  }
  return { text: out.join('\n'), steps: [...steps.run, ...steps.finish] };
}

export async function benchOnDevice(graph: Graph, source: string, target: CortexTarget, inputs: Float32Array, count: number, options: DeviceBenchOptions = {}): Promise<DeviceBench> {
  const generated = options.generated ?? generate(graph, source, { name: options.name, quantization: options.quantization, schedule: options.schedule, streamBlock: options.streamBlock, target: target.name, explain: options.explain });
  const optimization = options.optimization ?? '-O2';
  const settings = { target, budget: {}, stackBytes: options.stackBytes ?? DEFAULT_STACK_BYTES, timeoutSeconds: options.timeoutSeconds };
  const what = `${generated.name} on ${target.name} (${optimization})`;
  const plugin = await instructionCountPlugin();
  return withTemporaryDirectory('ecgc-bench-device-', async (dir) => {
    const sources = writeDeviceBuild(dir, generated, target, { bench: true });
    // The harness reads whole runs of the graph's batch: `runs` inferences, each of `batch` windows.
    const batch = windowsPerRun(graph);
    const { input: windows, windows: padded } = wholeRuns(inputs.subarray(0, count * inputWindowSize(graph)), count, batch);
    const runs = padded / batch;
    const layout = harnessLayout(graph, windows);
    writeFileSync(join(dir, 'input.bin'), new Uint8Array(layout.buffer, layout.byteOffset, layout.byteLength));
    const count_ = async (linked: LinkedModel, log: string) => {
      const report = await runDevice(dir, linked, settings, what, { library: plugin, args: [`mark=${await symbolAddress(linked.image.elf, MARK)}`], log: join(dir, log) });
      return { report, marks: readMarks(join(dir, log)) };
    };

    // with --explain the harness also marks each <name>_explain call, after the run's marks
    const explainMarks = generated.explain ? 2 : 0;
    let whole: { linked: LinkedModel; perRun: number[]; explain: number[]; stackPeak: number } | undefined;
    if (options.perInference !== false) {
      const linked = await linkModel(dir, sources, generated, settings, optimization, 'whole', what);
      const { report, marks } = await count_(linked, 'whole.log');
      const perRun = 2 + explainMarks;
      if (marks.length !== 2 + perRun * runs) fail(`internal: ${what}: expected ${2 + perRun * runs} marks, the plugin logged ${marks.length}`);
      const markCost = marks[1] - marks[0];
      const interval = (i: number) => marks[i + 1] - marks[i] - markCost;
      whole = {
        linked,
        perRun: Array.from({ length: runs }, (_, r) => interval(2 + perRun * r)),
        explain: explainMarks ? Array.from({ length: runs }, (_, r) => interval(4 + perRun * r)) : [],
        stackPeak: report.stackPeak,
      };
      checkOutputs(dir, generated, windows, padded, what);
    }
    if (whole && options.perLayer === false) {
      return {
        name: generated.name, target, board: whole.linked.board, optimization, windows: count, perInference: mean(whole.perRun), layers: [], outsideLayers: 0, markCost: 0,
        macs: summarize(graph).totals.macs, sizes: whole.linked.sizes, stackPeak: whole.stackPeak, weightBytes: generated.weightBytes, arenaBytes: generated.memory.arenaBytes,
        explainInstructions: explainMarks ? mean(whole.explain) : null,
      };
    }

    const marked = withLayerMarks(generated.files.get(`${generated.name}.c`)!, generated.name);
    writeFileSync(join(dir, `${generated.name}.c`), marked.text);
    const linked = await linkModel(dir, sources, generated, settings, optimization, 'layers', what);
    const { report, marks } = await count_(linked, 'layers.log');
    const steps = marked.steps.length;
    const perRun = steps + 3 + explainMarks;
    if (marks.length !== 2 + runs * perRun) fail(`internal: ${what}: expected ${2 + runs * perRun} marks, the plugin logged ${marks.length}`);
    const markCost = marks[1] - marks[0];
    const interval = (i: number) => marks[i + 1] - marks[i] - markCost;
    const meanOf = (f: (base: number) => number) => mean(Array.from({ length: runs }, (_, r) => f(2 + r * perRun)));
    const macs = new Map(summarize(graph).nodes.map((n) => [n.name, n.macs]));
    const layers = matchSteps(graph, marked.steps).map((nodes, j) => ({
      node: nodes.length === 1 ? nodes[0].name : `${nodes[0].name} .. ${nodes[nodes.length - 1].name}`,
      op: nodes.length === 1 ? nodes[0].op : 'Stream',
      kind: nodes.length === 1 ? layerKind(graph, nodes[0]) : `${nodes.length} ops depth first`,
      macs: nodes.reduce((sum, node) => sum + (macs.get(node.name) ?? 0), 0),
      instructions: meanOf((base) => interval(base + 1 + j)),
    }));
    const outsideLayers = meanOf((base) => interval(base) + interval(base + steps + 1));
    const perInference = whole ? mean(whole.perRun) : layers.reduce((s, l) => s + l.instructions, 0) + outsideLayers;
    const image = whole?.linked ?? linked;
    return {
      name: generated.name, target, board: image.board, optimization, windows: count, perInference, layers, outsideLayers, markCost,
      macs: summarize(graph).totals.macs, sizes: image.sizes, stackPeak: whole?.stackPeak ?? report.stackPeak, weightBytes: generated.weightBytes, arenaBytes: generated.memory.arenaBytes,
      explainInstructions: !explainMarks ? null : whole ? mean(whole.explain) : meanOf((base) => interval(base + steps + 3)),
    };
  });
}

/** The graph node of each marked step, in order (the comment holds the sanitised name). */
/**
 * The graph nodes of each marked step, in order: one node, or for a depth-first chain (op
 * Stream, "first .. last") every node from its first to its last.
 */
function matchSteps(graph: Graph, steps: { node: string; op: string }[]): Node[][] {
  let next = 0;
  const find = (name: string, op?: string) => {
    while (next < graph.nodes.length && !((op === undefined || graph.nodes[next].op === op) && cComment(graph.nodes[next].name) === name)) next++;
    if (next === graph.nodes.length) fail(`internal: step '${name}' (${op ?? 'Stream'}) matches no node of the graph`);
    return next++;
  };
  return steps.map((step) => {
    if (step.op !== 'Stream') return [graph.nodes[find(step.node, step.op)]];
    const [first, last] = step.node.split(' .. ');
    const from = find(first);
    return graph.nodes.slice(from, find(last) + 1);
  });
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** A bench is only quoted for an image that computes the right outputs. */
function checkOutputs(dir: string, generated: Generated, inputs: Float32Array, count: number, what: string): void {
  const expected = expectedOutputs(generated, inputs, count);
  const actual = readFileSync(join(dir, 'output.bin'));
  if (!Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength).equals(actual)) {
    throw new EcgcError(`${what}: the benchmarked image's outputs differ from the reference: run ecgc verify`, EXIT_MISMATCH);
  }
}

// ---- Break-even sparsity of one conv1d layer ----------------------------------------------

export interface ConvShape {
  inChannels: number;
  outChannels: number;
  kernel: number;
  length: number;
}

export interface SweepPoint {
  /** The pruned fraction asked for, and the fraction of zero codes the layer ends up with. */
  sparsity: number;
  zeros: number;
  encoding: Encoding;
  instructions: number;
  weightBytes: number;
}

export interface SparsitySweep {
  shape: ConvShape;
  bits: number;
  macs: number;
  /** The float32 dense build of the same layer. */
  float32: number;
  points: SweepPoint[];
  /**
   * Per sparse encoding: the sparsity (zero fraction, interpolated) from which it executes fewer
   * instructions than dense at the same bits; the lowest swept sparsity if it already does
   * there (the break-even is at or below it); null if never in the sweep.
   */
  breakEven: Record<string, number | null>;
  /** The same against the float32 dense build. */
  breakEvenFloat32: Record<string, number | null>;
}

/** A seeded generator: the benches' weights and inputs are reproducible. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * One conv1d layer with bias. Weight magnitudes lie in [0.25, 1] (random signs): at 3 bits and
 * more none rounds to zero, so the sparsity is exactly the pruned fraction.
 */
export function singleConv(shape: ConvShape, seed = 1): Graph {
  const next = seeded(seed);
  const weights = Array.from({ length: shape.outChannels * shape.inChannels * shape.kernel }, () => (next() < 0.5 ? -1 : 1) * (0.25 + 0.75 * next()));
  const pad = shape.kernel >> 1;
  return optimize(
    importModel(
      buildModel({
        inputs: [{ name: 'x', shape: ['N', shape.inChannels, shape.length] }],
        outputs: ['y'],
        initializers: { w: { shape: [shape.outChannels, shape.inChannels, shape.kernel], data: weights }, b: { shape: [shape.outChannels], data: Array.from({ length: shape.outChannels }, () => next() - 0.5) } },
        nodes: [{ name: 'conv', op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { kernel_shape: [shape.kernel], pads: [pad, shape.kernel - 1 - pad] } }],
      }),
      'sparsity.onnx',
    ),
  );
}

export async function sparsitySweep(target: CortexTarget, shape: ConvShape, options: { bits?: number; sparsities?: number[]; optimization?: string; timeoutSeconds?: number } = {}): Promise<SparsitySweep> {
  const bits = options.bits ?? 4;
  const sparsities = options.sparsities ?? [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const graph = singleConv(shape);
  const next = seeded(7);
  const x = Float32Array.from({ length: shape.inChannels * shape.length }, () => next() * 2 - 1);
  const weights = graph.constants.get(graph.nodes[0].inputs[1])!.data as Float32Array;
  const magnitudes = Float64Array.from(weights, Math.abs).sort();
  const run = async (quantization?: Map<string, LayerQuantization>) => {
    const bench = await benchOnDevice(graph, 'sparsity.onnx', target, x, 1, { quantization, optimization: options.optimization, timeoutSeconds: options.timeoutSeconds, perInference: false });
    const conv = bench.layers.find((l) => l.op === 'Conv');
    if (!conv) fail('internal: the sweep model has no conv layer');
    return { instructions: conv.instructions, weightBytes: bench.weightBytes, macs: conv.macs };
  };
  const float32 = await run();
  const points: SweepPoint[] = [];
  for (const sparsity of sparsities) {
    const index = Math.floor(sparsity * magnitudes.length) - 1;
    const threshold = index < 0 ? -1 : magnitudes[index];
    const spec = { bits, quantizer: 'uniform' as const, threshold };
    const codes = quantizeLayer(weights, shape.outChannels, spec).codes;
    const zeros = codes.filter((c) => c === 0).length / codes.length;
    for (const encoding of ['dense', 'bitmap', 'delta'] as const) {
      const measured = await run(new Map([[graph.nodes[0].name, { spec, encoding }]]));
      points.push({ sparsity, zeros, encoding, instructions: measured.instructions, weightBytes: measured.weightBytes });
    }
  }
  const crossing = (encoding: Encoding, baseline: (sparsity: number) => number): number | null => {
    const series = points.filter((p) => p.encoding === encoding);
    for (let i = 0; i < series.length; i++) {
      const gap = series[i].instructions - baseline(series[i].sparsity);
      if (gap < 0) {
        if (i === 0) return series[0].zeros;
        const before = series[i - 1].instructions - baseline(series[i - 1].sparsity);
        return series[i - 1].zeros + ((series[i].zeros - series[i - 1].zeros) * before) / (before - gap);
      }
    }
    return null;
  };
  const dense = (sparsity: number) => points.find((p) => p.encoding === 'dense' && p.sparsity === sparsity)!.instructions;
  return {
    shape, bits, macs: float32.macs, float32: float32.instructions, points,
    breakEven: { bitmap: crossing('bitmap', dense), delta: crossing('delta', dense) },
    breakEvenFloat32: { bitmap: crossing('bitmap', () => float32.instructions), delta: crossing('delta', () => float32.instructions) },
  };
}
