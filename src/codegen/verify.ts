/**
 * Verification on the host: the generated C is compiled with gcc at each optimisation level,
 * run on the inputs, and every output's float32 bits are compared with the reference
 * interpreter running the same graph (the deployed weights). Bit-exact or a mismatch report.
 * On a Cortex-M target (verifyDevice) the same, built with arm-none-eabi-gcc and run under
 * qemu-system-arm, the inputs fed through semihosting; with the image's sizes and stack peak.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Graph, inputWindowSize, windowSize, windowsPerRun } from '../ir/graph.js';
import { compileGraph, harnessLayout, runBatch, wholeRuns } from '../ref/interpreter.js';
import { type DeviceReport, type DeviceSettings, estimateOf, linkModel, runDevice, writeDeviceBuild } from '../toolchain/device.js';
import { buildHost, runHarness } from '../toolchain/host.js';
import { type Board, type CortexTarget, DEFAULT_STACK_BYTES } from '../toolchain/targets.js';
import { type Budget, type Estimate, type ImageSizes, checkEstimateBudget } from '../toolchain/size.js';
import { withTemporaryDirectory } from '../util/files.js';
import { type DeviceCam, outputsWithCam } from '../explain/device.js';
import { type Generated, generate, harnessSource } from './emit.js';
import type { Schedule } from './lower.js';
import type { LayerQuantization } from './weights.js';

/** What the harness writes per run: the reference's outputs, with --explain each window's map after them. */
export function expectedOutputs(generated: Generated, windows: Float32Array, count: number): Float32Array {
  return generated.explain ? outputsWithCam(generated.reference, generated.explain, windows, count) : runBatch(compileGraph(generated.reference), windows, count);
}

/** Where in a window's record an index lies. */
function placeOf(graph: Graph, index: number): string {
  const outputs = windowSize(graph, graph.outputs[0]);
  return index < outputs ? `output ${index}` : `explain map position ${index - outputs}`;
}

/** Floats the harness writes per window: the output, and with --explain the map (Mismatch.index counts across both). */
function recordSize(graph: Graph, generated: Generated): number {
  return windowSize(graph, graph.outputs[0]) + (generated.explain?.positions ?? 0);
}

export interface Mismatch {
  optimization: string;
  sample: number;
  /** The output's index; with --explain, past the output: the map's position plus the output's size. */
  index: number;
  /** `output <i>`, or `explain map position <p>`. */
  place: string;
  expected: number;
  actual: number;
}

export interface VerifyResult {
  generated: Generated;
  count: number;
  optimizations: string[];
  compileSeconds: number;
  mismatch?: Mismatch;
}

export interface VerifyOptions {
  name?: string;
  quantization?: Map<string, LayerQuantization>;
  schedule?: Schedule;
  streamBlock?: number;
  optimizations?: string[];
  /** Extra build flags and a runner, for sanitizer and valgrind runs. */
  extraFlags?: string[];
  valgrind?: boolean;
  env?: Record<string, string>;
  /** --explain: <name>_explain too, its map compared after each output (src/explain/device.ts). */
  explain?: DeviceCam;
}

export async function verifyHost(graph: Graph, source: string, inputs: Float32Array, count: number, options: VerifyOptions = {}): Promise<VerifyResult> {
  const generated = generate(graph, source, { name: options.name, quantization: options.quantization, schedule: options.schedule, streamBlock: options.streamBlock, target: 'host', explain: options.explain });
  ({ input: inputs, windows: count } = wholeRuns(inputs.subarray(0, count * inputWindowSize(graph)), count, windowsPerRun(graph)));
  const expected = expectedOutputs(generated, inputs, count);
  const expectedBits = new Uint32Array(expected.buffer);
  const outputSize = recordSize(graph, generated);
  const optimizations = options.optimizations ?? ['-O0', '-O2', '-O3'];
  let compileSeconds = 0;
  return withTemporaryDirectory('ecgc-verify-', async (dir) => {
    for (const [file, content] of generated.files) {
      writeFileSync(join(dir, file.replace(/^runtime\//, '')), content);
    }
    writeFileSync(join(dir, 'harness.c'), harnessSource(generated));
    writeFileSync(join(dir, 'input.bin'), harnessLayout(graph, inputs));
    const sources = [...generated.runtimeSources.map((f) => f.replace(/^runtime\//, '')), 'harness.c'];
    for (const optimization of optimizations) {
      compileSeconds += await buildHost({ dir, sources, output: 'model', optimization, extraFlags: options.extraFlags });
      await runHarness('./model', ['input.bin', 'output.bin'], dir, { valgrind: options.valgrind, env: options.env });
      const actual = new Uint32Array(Uint8Array.from(readFileSync(join(dir, 'output.bin'))).buffer);
      for (let i = 0; i < expectedBits.length; i++) {
        if (actual[i] !== expectedBits[i]) {
          const asFloat = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0];
          return { generated, count, optimizations, compileSeconds, mismatch: { optimization, sample: Math.floor(i / outputSize), index: i % outputSize, place: placeOf(graph, i % outputSize), expected: asFloat(expectedBits[i]), actual: asFloat(actual[i] ?? 0) } };
        }
      }
      if (actual.length !== expectedBits.length) {
        return { generated, count, optimizations, compileSeconds, mismatch: { optimization, sample: Math.floor(actual.length / outputSize), index: 0, place: 'output 0 (missing)', expected: NaN, actual: NaN } };
      }
    }
    return { generated, count, optimizations, compileSeconds };
  });
}

export interface DeviceVerifyOptions {
  name?: string;
  quantization?: Map<string, LayerQuantization>;
  schedule?: Schedule;
  streamBlock?: number;
  /** arm-none-eabi-gcc levels; by default -O2 and -Os. */
  optimizations?: string[];
  budget?: Budget;
  stackBytes?: number;
  timeoutSeconds?: number;
  /** Appended to the compile flags (tests: what breaks bit-exactness). */
  extraFlags?: string[];
  explain?: DeviceCam;
}

export interface DeviceRun {
  optimization: string;
  board: Board;
  sizes: ImageSizes;
  report: DeviceReport;
}

export interface DeviceVerifyResult extends VerifyResult {
  target: CortexTarget;
  estimate: Estimate;
  runs: DeviceRun[];
}

/**
 * Builds the model and a semihosting harness for `target` at each level, checks the budget
 * (before linking from the estimate, then on the linked image: exit 3), runs every input under
 * QEMU and compares the output bits with the reference. Throws on build or guest failures.
 */
export async function verifyDevice(graph: Graph, source: string, inputs: Float32Array, count: number, target: CortexTarget, options: DeviceVerifyOptions = {}): Promise<DeviceVerifyResult> {
  const generated = generate(graph, source, { name: options.name, quantization: options.quantization, schedule: options.schedule, streamBlock: options.streamBlock, target: target.name, explain: options.explain });
  const settings: DeviceSettings = { target, budget: options.budget ?? {}, stackBytes: options.stackBytes ?? DEFAULT_STACK_BYTES, timeoutSeconds: options.timeoutSeconds, extraFlags: options.extraFlags };
  const what = `${generated.name} on ${target.name}`;
  const estimate = estimateOf(generated, settings.stackBytes);
  checkEstimateBudget(estimate, settings.budget, what);
  let windows: Float32Array;
  ({ input: windows, windows: count } = wholeRuns(inputs.subarray(0, count * inputWindowSize(graph)), count, windowsPerRun(graph)));
  const expected = expectedOutputs(generated, windows, count);
  const expectedBits = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const outputSize = recordSize(graph, generated);
  const optimizations = options.optimizations ?? ['-O2', '-Os'];
  const runs: DeviceRun[] = [];
  let compileSeconds = 0;
  return withTemporaryDirectory('ecgc-verify-device-', async (dir) => {
    const sources = writeDeviceBuild(dir, generated, target);
    const layout = harnessLayout(graph, windows);
    writeFileSync(join(dir, 'input.bin'), new Uint8Array(layout.buffer, layout.byteOffset, layout.byteLength));
    for (const optimization of optimizations) {
      const linked = await linkModel(dir, sources, generated, settings, optimization, `image${optimization}`, `${what} (${optimization})`);
      compileSeconds += linked.image.compileSeconds;
      const report = await runDevice(dir, linked, settings, `${what} (${optimization})`);
      runs.push({ optimization, board: linked.board, sizes: linked.sizes, report });
      const written = readFileSync(join(dir, 'output.bin'));
      const actual = new Uint32Array(Uint8Array.from(written).buffer, 0, Math.floor(written.length / 4));
      const result = { generated, count, optimizations, compileSeconds, target, estimate, runs };
      for (let i = 0; i < expectedBits.length; i++) {
        if (actual[i] !== expectedBits[i]) {
          const asFloat = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0];
          return { ...result, mismatch: { optimization, sample: Math.floor(i / outputSize), index: i % outputSize, place: placeOf(graph, i % outputSize), expected: asFloat(expectedBits[i]), actual: asFloat(actual[i] ?? 0) } };
        }
      }
      if (actual.length !== expectedBits.length) return { ...result, mismatch: { optimization, sample: Math.floor(actual.length / outputSize), index: 0, place: 'output 0 (missing)', expected: NaN, actual: NaN } };
    }
    return { generated, count, optimizations, compileSeconds, target, estimate, runs };
  });
}
