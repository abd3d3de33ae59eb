/**
 * A generated model as a Cortex-M image: the model's files, a harness that feeds it windows
 * from a host file through semihosting (templates/harness-cortex.c.hbs), ecgc's start-up code
 * and a linker script sized to the device or the budget; linked, measured and run under QEMU.
 * Shared by `ecgc verify`, `ecgc compile` (sizes) and `ecgc bench` (instruction counts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EXIT_BUDGET, EcgcError } from '../errors.js';
import type { Generated } from '../codegen/emit.js';
import { template } from '../codegen/templates.js';
import { DEVICE_DIR, DEVICE_SOURCES, type Image, type Overflow, buildImage } from './cortex.js';
import { runQemu } from './qemu.js';
import { type Budget, type Estimate, type ImageSizes, breakdown, budgetMemory, checkImageBudget, formatSize, harnessFootprint, imageSizes } from './size.js';
import type { Board, CortexTarget } from './targets.js';

export interface DeviceSettings {
  target: CortexTarget;
  budget: Budget;
  stackBytes: number;
  timeoutSeconds?: number;
  /** Appended to the compile flags (tests: what breaks bit-exactness). */
  extraFlags?: string[];
}

/** The model's files and a harness in `dir`; `bench` adds the instruction-count markers. */
export function writeDeviceBuild(dir: string, generated: Generated, target: CortexTarget, options: { bench?: boolean } = {}): string[] {
  for (const [file, content] of generated.files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  writeFileSync(join(dir, 'harness.c'), deviceHarness(generated, target, options.bench ?? false));
  return [...generated.runtimeSources, 'harness.c', ...DEVICE_SOURCES];
}

function deviceHarness(generated: Generated, target: CortexTarget, bench: boolean): string {
  return template('harness-cortex.c.hbs')({ name: generated.name, NAME: generated.name.toUpperCase(), target: target.name, bench, ...generated.harness, explain: generated.explain !== undefined });
}

const INCLUDE_DIRS = ['.', 'runtime', DEVICE_DIR];

/** The compiler's own figures before linking: weights (flash), arena and stack (RAM). */
export function estimateOf(generated: Generated, stackBytes: number): Estimate {
  return {
    weightBytes: generated.weightBytes,
    arenaBytes: generated.memory.arenaBytes,
    stackBytes,
    layers: generated.layers.map((l) => ({ node: l.node, bytes: l.size.total })),
  };
}

export interface LinkedModel {
  image: Image;
  sizes: ImageSizes;
  board: Board;
}

/**
 * Links the model's image against the board's memory, checks the model's part (everything but
 * ecgc's harness) against the budget (exit 3 with the breakdown), then relinks with MEMORY =
 * the budget + the harness's measured share, so the linker checks the same bound. An image too
 * large for the target's QEMU board runs on its larger board if it has one.
 */
export async function linkModel(dir: string, sources: string[], generated: Generated, settings: DeviceSettings, optimization: string, output: string, what: string): Promise<LinkedModel> {
  const { target, budget } = settings;
  const kernels = new Set(generated.runtimeSources.filter((s) => s.startsWith('runtime/')).map((s) => basename(s).replace(/\.c$/, '.o')));
  const origins = { model: generated.name, kernels };
  const boards = [target.board, ...(target.largeBoard ? [target.largeBoard] : [])];
  let overflow: Overflow[] = [];
  for (const board of boards) {
    const link = (flashBytes: number, ramBytes: number, suffix = '') =>
      buildImage({ dir, target, board, optimization, sources, includeDirs: INCLUDE_DIRS, flashBytes, ramBytes, stackBytes: settings.stackBytes, output: `${output}${suffix}`, extraFlags: settings.extraFlags });
    const linked = await link(board.flash.bytes, board.ram.bytes);
    if (!('image' in linked)) {
      overflow = linked.overflow;
      continue;
    }
    const sizes = await imageSizes(linked.image.elf, linked.image.map, origins);
    checkImageBudget(sizes, budget, what);
    if (budget.flash === undefined && budget.ram === undefined) return { image: linked.image, sizes, board };
    const memory = budgetMemory(budget, harnessFootprint(sizes), { flash: board.flash.bytes, ram: board.ram.bytes });
    const bounded = await link(memory.flashBytes, memory.ramBytes, '-budget');
    if ('image' in bounded) return { image: bounded.image, sizes: await imageSizes(bounded.image.elf, bounded.image.map, origins), board };
    const text = bounded.overflow.map((o) => `${o.region === 'FLASH' ? 'flash' : 'RAM'} overflowed the --${o.region === 'FLASH' ? 'flash' : 'ram'} budget + ecgc's harness (${formatSize(o.region === 'FLASH' ? memory.flashBytes : memory.ramBytes)}) by ${o.bytes} bytes`);
    throw new EcgcError([`over budget: ${what}: the linker refused the image: ${text.join(', ')}`, ...breakdown(sizes).map((line) => `  ${line}`)].join('\n'), EXIT_BUDGET);
  }
  const board = boards[boards.length - 1];
  const text = overflow.map((o) => `${o.region === 'FLASH' ? 'flash' : 'RAM'} (${formatSize(o.region === 'FLASH' ? board.flash.bytes : board.ram.bytes)}) overflowed by ${o.bytes} bytes`);
  throw new EcgcError(`${what}: the image does not fit the QEMU board ${board.machine} (${board.description}): ${text.join(', ')}`);
}

export interface DeviceReport {
  /** <name>_run calls, each of the graph's batch of windows. */
  runs: number;
  stackPeak: number;
  stackSize: number;
}

/** Runs an image on the windows in `dir`/input.bin; the outputs land in `dir`/output.bin. */
export async function runDevice(dir: string, linked: LinkedModel, settings: DeviceSettings, what: string, plugin?: { library: string; args: string[]; log: string }): Promise<DeviceReport> {
  const stdout = await runQemu({ board: linked.board, elf: linked.image.elf, cwd: dir, timeoutSeconds: settings.timeoutSeconds, plugin, what });
  const report = /ecgc-device: runs (\d+) stack-peak (\d+) stack-size (\d+)/.exec(stdout);
  if (!report) throw new EcgcError(`${what}: the guest exited without its report (output: ${stdout.slice(0, 200) || 'none'})`);
  return { runs: Number(report[1]), stackPeak: Number(report[2]), stackSize: Number(report[3]) };
}
