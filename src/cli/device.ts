/**
 * The Cortex-M side of `ecgc compile` and `ecgc verify`: budgets (--flash, --ram, --stack),
 * the estimate before linking, the linked image's sizes, and verification under QEMU.
 */
import { EXIT_MISMATCH, EcgcError, fail } from '../errors.js';
import type { Generated } from '../codegen/emit.js';
import { verifyDevice } from '../codegen/verify.js';
import type { DeviceCam } from '../explain/device.js';
import type { Schedule } from '../codegen/lower.js';
import type { LayerQuantization } from '../codegen/weights.js';
import type { Graph } from '../ir/graph.js';
import { shapeText } from '../ir/graph.js';
import { CROSS_GCC, CROSS_GCC_PACKAGE, requireCrossCompiler } from '../toolchain/cortex.js';
import { estimateOf, linkModel, writeDeviceBuild } from '../toolchain/device.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../toolchain/qemu.js';
import { type Budget, type Estimate, type ImageSizes, breakdown, checkEstimateBudget, formatSize, modelFootprint } from '../toolchain/size.js';
import { type Board, type CortexTarget, DEFAULT_STACK_BYTES, cortexTarget } from '../toolchain/targets.js';
import { withTemporaryDirectory } from '../util/files.js';
import { parseSize } from './size.js';

export interface DeviceFlags {
  flash?: string;
  ram?: string;
  stack?: string;
  timeout?: string;
  opt?: string;
}

export interface DeviceOptions {
  budget: Budget;
  stackBytes: number;
  timeoutSeconds: number;
  optimizations?: string[];
}

/** The Cortex-M flags; on the host target they have no meaning and are refused. */
export function parseDeviceFlags(flags: DeviceFlags & { target?: string }): DeviceOptions {
  if (flags.target !== undefined && !isCortex(flags.target)) {
    const given = (['flash', 'ram', 'stack', 'timeout', 'opt'] as const).filter((f) => flags[f] !== undefined).map((f) => `--${f}`);
    if (given.length > 0) fail(`${given.join(', ')}: only for Cortex-M targets (the linked image, QEMU), not --target ${flags.target}`);
  }
  const timeoutSeconds = flags.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(flags.timeout);
  if (!(timeoutSeconds > 0 && Number.isFinite(timeoutSeconds))) fail(`--timeout must be a positive number of seconds, got '${flags.timeout}'`);
  const optimizations = flags.opt?.split(/[\s,]+/).filter(Boolean);
  for (const level of optimizations ?? []) if (!/^-O[0-3sz]$|^-Og$|^-Ofast$/.test(level) || level === '-Ofast') fail(`--opt '${level}' is not a gcc optimisation level (-O0, -O1, -O2, -O3, -Os, -Oz, -Og; never -Ofast)`);
  return {
    budget: { flash: flags.flash === undefined ? undefined : parseSize(flags.flash, '--flash'), ram: flags.ram === undefined ? undefined : parseSize(flags.ram, '--ram') },
    stackBytes: flags.stack === undefined ? DEFAULT_STACK_BYTES : parseSize(flags.stack, '--stack'),
    timeoutSeconds,
    optimizations,
  };
}

export function isCortex(target: string): boolean {
  return cortexTarget(target) !== undefined;
}

function estimateLine(estimate: Estimate): string {
  return `estimate before linking: flash >= weights ${formatSize(estimate.weightBytes)}; RAM >= arena ${formatSize(estimate.arenaBytes)} + stack ${formatSize(estimate.stackBytes)} reserved`;
}

/** A linked image's totals, the model's part against the budget, and what takes the space. */
function sizeLines(label: string, sizes: ImageSizes, budget: Budget, stackPeak?: number): string[] {
  const model = modelFootprint(sizes);
  const of = (bytes: number, limit: number | undefined) => `${formatSize(bytes)}${limit === undefined ? '' : ` of ${formatSize(limit)}`}`;
  return [
    `${label}: flash ${formatSize(sizes.flash)} (text ${sizes.text} + data ${sizes.data} B), RAM ${formatSize(sizes.ram)} (data ${sizes.data} + bss ${sizes.bss} B, stack included); the model (what --flash / --ram count): flash ${of(model.flash, budget.flash)}, RAM ${of(model.ram, budget.ram)}`,
    ...breakdown(sizes, stackPeak).map((line) => `  ${line}`),
  ];
}

export interface LinkedImage {
  optimization: string;
  board: Board;
  sizes: ImageSizes;
  /** Measured under QEMU (verify). */
  stackPeak?: number;
}

export interface DeviceCompile {
  target: CortexTarget;
  estimate: Estimate;
  images: LinkedImage[];
  /** Why there are no linked sizes (no cross compiler), if so. */
  skipped?: string;
}

/**
 * `ecgc compile`: the estimate is checked against the budget first; on a Cortex-M target the
 * model is then linked (with ecgc's harness) to report and check the real sizes. Without a
 * budget a missing cross compiler only skips the linked sizes.
 */
export async function compileOnDevice(generated: Generated, targetName: string, options: DeviceOptions): Promise<DeviceCompile> {
  const target = cortexTarget(targetName)!;
  const what = `${generated.name} on ${target.name}`;
  const estimate = estimateOf(generated, options.stackBytes);
  checkEstimateBudget(estimate, options.budget, what);
  const budgeted = options.budget.flash !== undefined || options.budget.ram !== undefined;
  try {
    await requireCrossCompiler();
  } catch (e) {
    if (budgeted) throw new EcgcError(`${(e as Error).message} (needed to check --flash / --ram on the linked image)`);
    return { target, estimate, images: [], skipped: `${CROSS_GCC} is not installed (apt-get install ${CROSS_GCC_PACKAGE})` };
  }
  const images: LinkedImage[] = [];
  return withTemporaryDirectory('ecgc-compile-device-', async (dir) => {
    const sources = writeDeviceBuild(dir, generated, target);
    for (const optimization of options.optimizations ?? ['-O2']) {
      const linked = await linkModel(dir, sources, generated, { target, budget: options.budget, stackBytes: options.stackBytes }, optimization, `image${optimization}`, `${what} (${optimization})`);
      images.push({ optimization, board: linked.board, sizes: linked.sizes });
    }
    return { target, estimate, images };
  });
}

export function compileDeviceLines(device: DeviceCompile, budget: Budget): string[] {
  return [
    `target ${device.target.name}: ${CROSS_GCC} ${device.target.flags.join(' ')} and the flags in ecgc.mk`,
    estimateLine(device.estimate),
    ...(device.skipped ? [`linked sizes: skipped, ${device.skipped}`] : []),
    ...device.images.flatMap((image) => sizeLines(`linked with ${CROSS_GCC} ${image.optimization} (${image.board.machine} memory map)`, image.sizes, budget)),
  ];
}

export interface DeviceVerify {
  generated: Generated;
  target: CortexTarget;
  estimate: Estimate;
  optimizations: string[];
  images: LinkedImage[];
  compileSeconds: number;
  /** The boards the images ran on, and why a larger one when the target's was too small. */
  boards: string;
  fallback: string;
}

export async function verifyOnDevice(
  graph: Graph,
  model: string,
  input: { inputs: Float32Array; count: number },
  targetName: string,
  options: DeviceOptions & { name?: string; quantization?: Map<string, LayerQuantization>; schedule?: Schedule; streamBlock?: number; explain?: DeviceCam },
): Promise<DeviceVerify> {
  const target: CortexTarget = cortexTarget(targetName)!;
  const result = await verifyDevice(graph, model, input.inputs, input.count, target, {
    name: options.name,
    quantization: options.quantization,
    schedule: options.schedule,
    streamBlock: options.streamBlock,
    optimizations: options.optimizations,
    budget: options.budget,
    stackBytes: options.stackBytes,
    timeoutSeconds: options.timeoutSeconds,
    explain: options.explain,
  });
  const boards = [...new Set(result.runs.map((r) => `${r.board.machine} (${r.board.description})`))].join(', ');
  if (result.mismatch) {
    const { optimization, sample, place, expected, actual } = result.mismatch;
    throw new EcgcError(`verification failed: the C built with ${CROSS_GCC} ${optimization} for ${target.name}, run on ${boards}, differs from the reference at sample ${sample}, ${place}: expected ${expected}, got ${actual}`, EXIT_MISMATCH);
  }
  const fallback = result.runs.some((r) => r.board !== target.board) ? ` (the image does not fit ${target.board.machine}'s ${formatSize(target.board.ram.bytes)} RAM / ${formatSize(target.board.flash.bytes)} flash: the ${target.name} code ran on ${target.largeBoard?.machine}, whose core executes the same instructions)` : '';
  return {
    generated: result.generated, target, estimate: result.estimate, optimizations: result.optimizations, compileSeconds: result.compileSeconds, boards, fallback,
    images: result.runs.map((run) => ({ optimization: run.optimization, board: run.board, sizes: run.sizes, stackPeak: run.report.stackPeak })),
  };
}

export function verifyDeviceLines(device: DeviceVerify, input: { count: number; description: string }, outputShape: number[], budget: Budget): string[] {
  return [
    `bit-exact: ${input.count} inputs (${input.description}) x ${shapeText(outputShape)} outputs${device.generated.explain ? ` and ${device.generated.explain.positions} explain map values` : ''} on ${device.target.name}, ${CROSS_GCC} ${device.optimizations.join(' ')}, qemu-system-arm -M ${device.boards}${device.fallback}: every float32 equal to the reference's`,
    estimateLine(device.estimate),
    ...device.images.flatMap((image) => sizeLines(image.optimization, image.sizes, budget, image.stackPeak)),
    `compile time ${device.compileSeconds.toFixed(2)} s (objects cached in the ecgc cache)`,
  ];
}
