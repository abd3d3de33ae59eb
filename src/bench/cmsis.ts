/**
 * ecgc's int8 kernels beside CMSIS-NN's, in one run on cortex-m4f under QEMU: the same
 * arm-none-eabi-gcc, flags (-O2) and board, executed instructions per MAC for six layer
 * shapes (A-F below). ecgc runs each as a one-layer model on int8 activations with weights of
 * 8, 4, 2 and 1 bits (dense) and of 8 and 4 bits pruned to 50% and 80% (its sparse
 * encodings, decoded once per row); CMSIS-NN (../shared/peers/cmsis-nn, built from source
 * here, never linked into generated code) runs s8 and s4. For the 8-bit dense layers both
 * get the same int8 input, weights, bias and per-channel multipliers and shifts, and their
 * outputs must be identical: CMSIS-NN as an independent oracle of the integer semantics.
 * Every ecgc image is checked bit for bit against the reference before its count is quoted.
 * Then the shipped models with a plan-int8.json run whole, float32 against int8.
 *
 *   node dist/bench/cmsis.js [cortex-m4f]
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Graph, type Tensor, inputWindowSize } from '../ir/graph.js';
import { loadPlan } from '../codegen/plan.js';
import { loadModel, optimize } from '../model/load.js';
import { type NodeSpec, buildModel } from '../onnx/build.js';
import { importModel } from '../onnx/import.js';
import type { IntegerLayer } from '../ops/integer.js';
import { findWeightLayers, readRows, writeRows } from '../plan/layers.js';
import { quantizeLayer } from '../plan/quantize.js';
import { calibrate } from '../quant/calibrate.js';
import { integerGraph } from '../quant/integer-graph.js';
import { compileGraph } from '../ref/interpreter.js';
import { DEVICE_DIR, DEVICE_SOURCES, buildImage } from '../toolchain/cortex.js';
import { instructionCountPlugin, readMarks, symbolAddress } from '../toolchain/plugin.js';
import { runQemu } from '../toolchain/qemu.js';
import { DEFAULT_STACK_BYTES, cortexTarget } from '../toolchain/targets.js';
import { withTemporaryDirectory } from '../util/files.js';
import { type DeviceBenchOptions, benchOnDevice, seeded } from './device.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CMSIS = join(ROOT, '..', 'shared', 'peers', 'cmsis-nn');

export interface Shape {
  name: string;
  what: string;
  kind: 'conv' | 'depthwise' | 'fc';
  inChannels: number;
  outChannels: number;
  kernel: number;
  length: number;
}

export const SHAPES: Shape[] = [
  { name: 'A', what: 'dense conv1d 32->32, k5, T128', kind: 'conv', inChannels: 32, outChannels: 32, kernel: 5, length: 128 },
  { name: 'B', what: 'dense conv1d 16->32, k7, T256', kind: 'conv', inChannels: 16, outChannels: 32, kernel: 7, length: 256 },
  { name: 'C', what: 'pointwise 64->64, T64', kind: 'conv', inChannels: 64, outChannels: 64, kernel: 1, length: 64 },
  { name: 'D', what: 'depthwise 64, k5, T128', kind: 'depthwise', inChannels: 64, outChannels: 64, kernel: 5, length: 128 },
  { name: 'E', what: 'fully connected 256->64', kind: 'fc', inChannels: 256, outChannels: 64, kernel: 1, length: 1 },
  { name: 'F', what: 'fully connected 1024->32', kind: 'fc', inChannels: 1024, outChannels: 32, kernel: 1, length: 1 },
];

export const VARIANTS: { bits: number; sparsity: number }[] = [
  { bits: 8, sparsity: 0 }, { bits: 4, sparsity: 0 }, { bits: 2, sparsity: 0 }, { bits: 1, sparsity: 0 },
  { bits: 8, sparsity: 0.5 }, { bits: 8, sparsity: 0.8 }, { bits: 4, sparsity: 0.5 }, { bits: 4, sparsity: 0.8 },
];

const macsOf = (s: Shape) => (s.kind === 'fc' ? s.inChannels * s.outChannels : s.outChannels * s.length * (s.kind === 'depthwise' ? 1 : s.inChannels) * s.kernel);

/** The shape as a one-layer float model (Conv with 'same' padding, or Gemm), weights in [-1, 1]. */
function floatLayer(s: Shape): Graph {
  const next = seeded(11);
  const rowLength = s.kind === 'fc' ? s.inChannels : (s.kind === 'depthwise' ? 1 : s.inChannels) * s.kernel;
  const w = Array.from({ length: s.outChannels * rowLength }, () => next() * 2 - 1);
  const b = Array.from({ length: s.outChannels }, () => next() - 0.5);
  const pad = s.kernel >> 1;
  const attrs: NodeSpec['attrs'] = s.kind === 'fc' ? { transB: 1 } : { kernel_shape: [s.kernel], pads: [pad, s.kernel - 1 - pad], group: s.kind === 'depthwise' ? s.inChannels : 1 };
  const node: NodeSpec = { name: 'layer', op: s.kind === 'fc' ? 'Gemm' : 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs };
  const weightShape = s.kind === 'fc' ? [s.outChannels, s.inChannels] : [s.outChannels, s.kind === 'depthwise' ? 1 : s.inChannels, s.kernel];
  return optimize(importModel(buildModel({
    inputs: [{ name: 'x', shape: s.kind === 'fc' ? [1, s.inChannels] : [1, s.inChannels, s.length] }],
    outputs: ['y'],
    initializers: { w: { shape: weightShape, data: w }, b: { shape: [s.outChannels], data: b } },
    nodes: [node],
  }), 'layer.onnx'));
}

/** The layer on int8 activations with `bits`-bit weights, `sparsity` of them pruned (smallest first). */
function integerLayer(graph: Graph, input: Float32Array, bits: number, sparsity: number): Graph {
  const [layer] = findWeightLayers(graph);
  const rows = readRows(graph, layer);
  const magnitudes = Float64Array.from(rows, Math.abs).sort();
  const cut = Math.floor(sparsity * magnitudes.length) - 1;
  const q = quantizeLayer(rows, layer.rows, { bits, quantizer: bits === 1 ? 'sign' : 'uniform', threshold: cut < 0 ? -1 : magnitudes[cut] });
  const applied: Graph = { ...graph, constants: new Map(graph.constants) };
  applied.constants.set(layer.weight, { ...graph.constants.get(layer.weight)!, data: new Float32Array(rows.length) });
  writeRows(applied, layer, q.dequantized);
  const integer: IntegerLayer = { codes: q.codes, rows: layer.rows, scales: Float32Array.from({ length: layer.rows }, (_, r) => q.scales[r] || 1), bits };
  return integerGraph(applied, { tensors: calibrate(applied, input, 1).minmax, layers: new Map([[layer.node, integer]]) });
}

/** The int8 tensors of the integer layer's node: input (as QuantizeS8 makes it), codes, bias, multipliers, shifts, output. */
function layerData(graph: Graph, input: Float32Array) {
  const node = graph.nodes.find((n) => n.op === 'ConvS8' || n.op === 'LinearS8')!;
  const probe = compileGraph({ ...graph, outputs: [node.inputs[0], node.outputs[0]] });
  const [x, y] = probe.run([input]).map((b) => Int8Array.from(b));
  const data = (i: number) => (graph.constants.get(node.inputs[i]) as Tensor).data;
  return { node, x, y, codes: Int8Array.from(data(1)), bias: Int32Array.from(data(2)), multiplier: Int32Array.from(data(3)), shift: Int32Array.from(data(4)) };
}

const cArray = (type: string, name: string, values: ArrayLike<number>) => `static const ${type} ${name}[${Math.max(1, values.length)}] __attribute__((aligned(4))) = {${Array.from(values).join(',') || '0'}};`;

/** Two int4 values a byte, the first in the low nibble (CMSIS-NN's s4 packing). */
const packInt4 = (codes: Int8Array) => Int8Array.from({ length: Math.ceil(codes.length / 2) }, (_, i) => ((codes[2 * i] & 15) | ((codes[2 * i + 1] ?? 0) << 4)) << 24 >> 24);

/** CMSIS-NN's s8 and s4 calls for the shape, on the layer's ints (CMSIS layouts: NHWC input, OHWI / 1HWC filters). */
function cmsisHarness(s: Shape, d: ReturnType<typeof layerData>, codes4: Int8Array, maxBuffer: number): string {
  const attr = (name: string) => Number(d.node.attrs[name] ?? 0);
  const inputOffset = -attr('input_zero_point');
  const [T, K, Cin, Cout] = [s.length, s.kernel, s.inChannels, s.outChannels];
  // our x is [Cin][T] (or [K] for fc), CMSIS wants [T][Cin]; our codes [Cout][Cin][K], CMSIS OHWI [Cout][K][Cin] (depthwise 1HWC [K][C])
  const x = s.kind === 'fc' ? d.x : Int8Array.from({ length: T * Cin }, (_, i) => d.x[(i % Cin) * T + Math.floor(i / Cin)]);
  const reorder = (codes: Int8Array) =>
    s.kind === 'fc' ? codes
      : s.kind === 'depthwise' ? Int8Array.from({ length: K * Cout }, (_, i) => codes[(i % Cout) * K + Math.floor(i / Cout)])
        : Int8Array.from({ length: Cout * K * Cin }, (_, i) => { const [o, k, c] = [Math.floor(i / (K * Cin)), Math.floor(i / Cin) % K, i % Cin]; return codes[(o * Cin + c) * K + k]; });
  const pad = K >> 1;
  const activation = `{${attr('act_min')}, ${attr('act_max')}}`;
  const dims = (n: number, h: number, w: number, c: number) => `{${n}, ${h}, ${w}, ${c}}`;
  const [inputDims, outputDims, filterDims] = s.kind === 'fc'
    ? [dims(1, 1, 1, Cin), dims(1, 1, 1, Cout), dims(Cin, 1, 1, Cout)]
    : [dims(1, 1, T, Cin), dims(1, 1, T, Cout), s.kind === 'depthwise' ? dims(1, 1, K, Cout) : dims(Cout, 1, K, Cin)];
  // per kind: the parameters, then the s8 call and the s4 call, each with its buffer size and between two marks
  const call = (size: string, fn: string, args: string) => `ctx.size = ${size};\n  mark(); status |= ${fn}(&ctx, ${args}); mark();`;
  const tensors = (filter: string, out: string) => `&input_dims, input, &filter_dims, ${filter}, &bias_dims, bias, &output_dims, ${out}`;
  const [setup, s8, s4] =
    s.kind === 'conv'
      ? [`const cmsis_nn_conv_params conv = {${inputOffset}, ${attr('output_zero_point')}, {1, 1}, {${pad}, 0}, {1, 1}, ${activation}};`,
        call('arm_convolve_wrapper_s8_get_buffer_size(&conv, &input_dims, &filter_dims, &output_dims)', 'arm_convolve_wrapper_s8', `&conv, &quant, ${tensors('filter8', 'output')}`),
        call('arm_convolve_wrapper_s4_get_buffer_size(&conv, &input_dims, &filter_dims, &output_dims)', 'arm_convolve_wrapper_s4', `&conv, &quant, ${tensors('filter4', 'output4')}`)]
      : s.kind === 'depthwise'
        ? [`const cmsis_nn_dw_conv_params conv = {${inputOffset}, ${attr('output_zero_point')}, 1, {1, 1}, {${pad}, 0}, {1, 1}, ${activation}};`,
          call('arm_depthwise_conv_wrapper_s8_get_buffer_size(&conv, &input_dims, &filter_dims, &output_dims)', 'arm_depthwise_conv_wrapper_s8', `&conv, &quant, ${tensors('filter8', 'output')}`),
          call('arm_depthwise_conv_wrapper_s4_get_buffer_size(&conv, &input_dims, &filter_dims, &output_dims)', 'arm_depthwise_conv_wrapper_s4', `&conv, &quant, ${tensors('filter4', 'output4')}`)]
        : [`const cmsis_nn_fc_params fc = {${inputOffset}, 0, ${attr('output_zero_point')}, ${activation}};\n  const cmsis_nn_per_tensor_quant_params tensor_quant = {${d.multiplier[0]}, ${d.shift[0]}};`,
          call('arm_fully_connected_s8_get_buffer_size(&filter_dims)', 'arm_fully_connected_per_channel_s8', `&fc, &quant, ${tensors('filter8', 'output')}`),
          call('arm_fully_connected_s8_get_buffer_size(&filter_dims)', 'arm_fully_connected_s4', `&fc, &tensor_quant, ${tensors('filter4', 'output4')}`)];
  const out = s.kind === 'fc' ? Cout : T * Cout;
  return `#include "arm_nnfunctions.h"
#include "ecgc_device.h"
void mark(void) __attribute__((noinline));
void mark(void) { __asm__ volatile(""); }
${cArray('int8_t', 'input', x)}
${cArray('int8_t', 'filter8', reorder(d.codes))}
${cArray('int8_t', 'filter4', packInt4(reorder(codes4)))}
${cArray('int32_t', 'bias', d.bias)}
static int32_t multiplier[${Cout}] = {${Array.from(d.multiplier).join(',')}};
static int32_t shift[${Cout}] = {${Array.from(d.shift).join(',')}};
static int8_t output[${out}], output4[${out}];
static int8_t buffer[${maxBuffer}] __attribute__((aligned(8)));
int main(void) {
  cmsis_nn_context ctx;
  const cmsis_nn_per_channel_quant_params quant = {multiplier, shift};
  const cmsis_nn_dims input_dims = ${inputDims}, filter_dims = ${filterDims}, bias_dims = {1, 1, 1, ${Cout}}, output_dims = ${outputDims};
  int32_t status = 0, file;
  ctx.buf = buffer;
  ${setup}
  ${s8}
  ${s4}
  if (status != 0 || ctx.size > ${maxBuffer}) ecgc_fail("a CMSIS-NN call failed", 4);
  file = ecgc_open("cmsis.bin", ECGC_OPEN_WRITE_BINARY);
  ecgc_write(file, output, sizeof output);
  ecgc_close(file);
  return 0;
}
`;
}

function cmsisSources(): string[] {
  const source = join(CMSIS, 'Source');
  return readdirSync(source, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(source, d.name)).filter((f) => f.endsWith('.c') && !/_f(16|32)\.c$|_flt\.c$/.test(f)).map((f) => join(source, d.name, f)));
}

/** CMSIS-NN's s8 and s4 instructions for the shape, and its s8 output (our layout). */
async function cmsisRun(s: Shape, d: ReturnType<typeof layerData>, codes4: Int8Array, targetName: string): Promise<{ s8: number; s4: number; output: Int8Array }> {
  const target = cortexTarget(targetName)!;
  const plugin = await instructionCountPlugin();
  return withTemporaryDirectory('ecgc-bench-cmsis-', async (dir) => {
    writeFileSync(join(dir, 'harness.c'), cmsisHarness(s, d, codes4, 64 * 1024));
    const linked = await buildImage({
      dir, target, board: target.board, optimization: '-O2', sources: ['harness.c', ...cmsisSources(), ...DEVICE_SOURCES], includeDirs: [join(CMSIS, 'Include'), DEVICE_DIR],
      flashBytes: target.board.flash.bytes, ramBytes: target.board.ram.bytes, stackBytes: DEFAULT_STACK_BYTES, output: 'cmsis', extraFlags: ['-std=gnu11', '-Wno-error', '-w'],
    });
    if (!('image' in linked)) throw new Error('CMSIS-NN bench image does not fit the board');
    const log = join(dir, 'marks.log');
    await runQemu({ board: target.board, elf: linked.image.elf, cwd: dir, plugin: { library: plugin, args: [`mark=${await symbolAddress(linked.image.elf, 'mark')}`], log }, what: `CMSIS-NN ${s.name}` });
    const marks = readMarks(log);
    const bytes = readFileSync(join(dir, 'cmsis.bin'));
    const cmsis = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    // back to our layout: [T][Cout] -> [Cout][T]
    const output = s.kind === 'fc' ? cmsis : Int8Array.from({ length: cmsis.length }, (_, i) => cmsis[(i % s.length) * s.outChannels + Math.floor(i / s.length)]);
    return { s8: marks[1] - marks[0], s4: marks[3] - marks[2], output };
  });
}

/** The layer's instructions on the device; the bench fails unless the image's outputs are the reference's, bit for bit. */
async function ecgcInstructions(graph: Graph, input: Float32Array, targetName: string): Promise<number> {
  const bench = await benchOnDevice(graph, 'layer.onnx', cortexTarget(targetName)!, input, 1);
  return bench.layers.find((l) => l.op === 'ConvS8' || l.op === 'LinearS8')!.instructions;
}

/** Shipped models whose float32 and int8 builds the bench runs whole. */
export const WHOLE_MODELS = [
  { name: 'ArrhythmiNet V2', dir: 'arrhythminet-v2' },
  { name: 'rhythm-stream', dir: 'rhythm-stream' },
];

/** The ECG patch's models, whose float32 and int8 builds the bench runs depth first in blocks of 8, as the firmware does. */
export const PATCH_MODELS = [
  { name: 'patch-beats', dir: 'patch-beats' },
  { name: 'patch-rhythm', dir: 'patch-rhythm' },
];

/** A shipped model on `targetName`, float32 or with its plan-int8.json (layer by layer, or as `options` say): instructions per inference, MACs, arena bytes. */
export async function wholeModel(dir: string, int8: boolean, targetName: string, options: DeviceBenchOptions = {}): Promise<{ instructions: number; macs: number; arena: number }> {
  const model = join(ROOT, 'examples', dir, 'model.onnx');
  const loaded = int8 ? loadPlan(join(ROOT, 'examples', dir, 'plan-int8.json'), model, loadModel(model)) : { graph: loadModel(model), quantization: undefined };
  const next = seeded(3);
  // one window of every input
  const input = Float32Array.from({ length: inputWindowSize(loaded.graph) }, () => next() * 2 - 1);
  const bench = await benchOnDevice(loaded.graph, `${dir}.onnx`, cortexTarget(targetName)!, input, 1, { ...options, quantization: loaded.quantization });
  return { instructions: bench.perInference, macs: bench.macs, arena: bench.arenaBytes };
}

export const cmsisAvailable = (): boolean => existsSync(join(CMSIS, 'Include', 'arm_nnfunctions.h'));

export interface Comparison {
  macs: number;
  /** ecgc's instructions per MAC for each of `variants`. */
  ecgc: number[];
  cmsisS8: number;
  cmsisS4: number;
  /** The 8-bit dense layer's int8 outputs: ecgc's reference, and CMSIS-NN's on the same ints. */
  ecgcOutput: Int8Array;
  cmsisOutput: Int8Array;
}

/** The shape measured on `targetName`: ecgc at each of `variants` and CMSIS-NN s8 and s4, per MAC. */
export async function compare(s: Shape, targetName: string, variants: { bits: number; sparsity: number }[] = VARIANTS): Promise<Comparison> {
  const graph = floatLayer(s);
  const next = seeded(5);
  const input = Float32Array.from({ length: s.inChannels * s.length }, () => next() * 2 - 1);
  const macs = macsOf(s);
  const ecgc: number[] = [];
  for (const v of variants) ecgc.push((await ecgcInstructions(integerLayer(graph, input, v.bits, v.sparsity), input, targetName)) / macs);
  const eight = layerData(integerLayer(graph, input, 8, 0), input);
  // CMSIS-NN s4 is timed on the same layer's 4-bit codes
  const [layer] = findWeightLayers(graph);
  const codes4 = Int8Array.from(quantizeLayer(readRows(graph, layer), layer.rows, { bits: 4, quantizer: 'uniform', threshold: -1 }).codes);
  const cmsis = await cmsisRun(s, eight, codes4, targetName);
  return { macs, ecgc, cmsisS8: cmsis.s8 / macs, cmsisS4: cmsis.s4 / macs, ecgcOutput: eight.y, cmsisOutput: cmsis.output };
}

async function main(targetName: string): Promise<void> {
  if (!cmsisAvailable()) {
    console.log(`ecgc int8 vs CMSIS-NN bench: skipped (no CMSIS-NN at ${CMSIS})`);
    return;
  }
  console.log(`\necgc int8 kernels vs CMSIS-NN on ${targetName} (arm-none-eabi-gcc -O2, QEMU): executed instructions per MAC`);
  const header = ['layer', 'MACs', ...VARIANTS.map((v) => `w${v.bits}${v.sparsity ? ` ${v.sparsity * 100}%` : ''}`), 'CMSIS s8', 'CMSIS s4', 'ecgc w8 / CMSIS s8', 'ecgc w4 / CMSIS s4', 's8 outputs equal'];
  const rows: string[][] = [];
  for (const s of SHAPES) {
    const c = await compare(s, targetName);
    const equal = c.cmsisOutput.length === c.ecgcOutput.length && c.cmsisOutput.every((v, i) => v === c.ecgcOutput[i]);
    rows.push([`${s.name} ${s.what}`, c.macs.toLocaleString('en-US'), ...c.ecgc.map((p) => p.toFixed(2)), c.cmsisS8.toFixed(2), c.cmsisS4.toFixed(2), `${(c.ecgc[0] / c.cmsisS8).toFixed(2)}x`, `${(c.ecgc[1] / c.cmsisS4).toFixed(2)}x`, equal ? 'yes' : 'NO']);
    if (!equal) process.exitCode = 2;
  }
  printTable(header, rows);
  console.log('(w<bits> <sparsity>: ecgc, int8 activations and weights of that width, dense or pruned; CMSIS-NN s4: int4 weights, per-tensor scale for fully connected; "equal": CMSIS-NN s8 on the same ints gives the same int8 outputs)');

  console.log(`\nwhole models on ${targetName}, float32 and with their plan-int8.json (executed instructions per inference, per MAC; arena)`);
  const whole: string[][] = [];
  for (const m of WHOLE_MODELS) {
    const [float, int8] = [await wholeModel(m.dir, false, targetName), await wholeModel(m.dir, true, targetName)];
    whole.push(rowOf(m.name, float, int8));
  }
  const wholeHeader = ['model', 'MACs', 'float32', 'int8', 'int8 / float32', 'float32 arena', 'int8 arena', 'arena ratio'];
  printTable(wholeHeader, whole);

  console.log(`\nthe ECG patch's models on ${targetName}, depth first in blocks of 8 as the firmware runs them: float32, and their plan-int8.json`);
  const patch: string[][] = [];
  for (const m of PATCH_MODELS) {
    const options = { schedule: 'stream' as const, streamBlock: 8 };
    const [float, int8] = [await wholeModel(m.dir, false, targetName, options), await wholeModel(m.dir, true, targetName, options)];
    patch.push(rowOf(m.name, float, int8));
  }
  printTable(wholeHeader, patch);
}

/** A model's row: its MACs, float32 and int8 instructions (per MAC) and their ratio, the arenas and theirs. */
function rowOf(name: string, float: { instructions: number; macs: number; arena: number }, int8: { instructions: number; macs: number; arena: number }): string[] {
  const per = (r: { instructions: number; macs: number }) => `${(r.instructions / 1e6).toFixed(2)} M (${(r.instructions / r.macs).toFixed(2)}/MAC)`;
  return [name, float.macs.toLocaleString('en-US'), per(float), per(int8), `${(int8.instructions / float.instructions).toFixed(2)}x`, `${(float.arena / 1024).toFixed(1)} KB`, `${(int8.arena / 1024).toFixed(1)} KB`, `${(int8.arena / float.arena).toFixed(2)}x`];
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log([header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2] ?? 'cortex-m4f');
