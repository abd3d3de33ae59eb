/**
 * A generated model as a Cortex-M image: the model's files, a harness that feeds it windows
 * from a host file through semihosting (templates/harness-cortex.c.hbs), ecgc's start-up code
 * and a linker script sized to the device or the budget; linked, measured and run under QEMU.
 * Shared by `ecgc verify`, `ecgc compile` (sizes) and `ecgc bench` (instruction counts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EXIT_BUDGET, EcgcError } from '../errors.js';
import { type Generated, template } from '../codegen/emit.js';
import { DEVICE_DIR, DEVICE_SOURCES, type Image, type Overflow, buildImage } from './cortex.js';
import { runQemu } from './qemu.js';
import { type Budget, type Estimate, type ImageSizes, breakdown, checkImageBudget, formatSize, imageSizes } from './size.js';
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
  writeFileSync(join(dir, 'harness.c'), deviceHarness(generated.name, target, options.bench ?? false));
  return [...generated.runtimeSources, 'harness.c', ...DEVICE_SOURCES];
}

function deviceHarness(name: string, target: CortexTarget, bench: boolean): string {
  return template('harness-cortex.c.hbs')({ name, NAME: name.toUpperCase(), target: target.name, bench });
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
 * Links the model's image with MEMORY = the budget (else the board's memory). An overflow of a
 * budget is exit 3 with the breakdown of an image linked without it; an image too large for
 * the target's QEMU board runs on its larger board if it has one.
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
    const flashBytes = Math.min(budget.flash ?? Infinity, board.flash.bytes);
    const ramBytes = Math.min(budget.ram ?? Infinity, board.ram.bytes);
    const linked = await link(flashBytes, ramBytes);
    if ('image' in linked) {
      const sizes = await imageSizes(linked.image.elf, linked.image.map, origins);
      checkImageBudget(sizes, budget, what);
      return { image: linked.image, sizes, board };
    }
    overflow = linked.overflow;
    const overBudget = overflow.filter((o) => (o.region === 'FLASH' ? flashBytes < board.flash.bytes : ramBytes < board.ram.bytes));
    if (overBudget.length > 0) {
      // The linker refused the budget: link against the board's memory to show what takes the space.
      const unbounded = await link(board.flash.bytes, board.ram.bytes, '-unbounded');
      const detail = 'image' in unbounded ? breakdown(await imageSizes(unbounded.image.elf, unbounded.image.map, origins)).map((line) => `  ${line}`) : [];
      const text = overBudget.map((o) => `${o.region === 'FLASH' ? 'flash' : 'RAM'} overflowed the --${o.region === 'FLASH' ? 'flash' : 'ram'} budget ${formatSize(o.region === 'FLASH' ? flashBytes : ramBytes)} by ${o.bytes} bytes`);
      throw new EcgcError([`over budget: ${what}: the linker refused the image: ${text.join(', ')}`, ...detail].join('\n'), EXIT_BUDGET);
    }
  }
  const board = boards[boards.length - 1];
  const text = overflow.map((o) => `${o.region === 'FLASH' ? 'flash' : 'RAM'} (${formatSize(o.region === 'FLASH' ? board.flash.bytes : board.ram.bytes)}) overflowed by ${o.bytes} bytes`);
  throw new EcgcError(`${what}: the image does not fit the QEMU board ${board.machine} (${board.description}): ${text.join(', ')}`);
}

export interface DeviceReport {
  windows: number;
  stackPeak: number;
  stackSize: number;
}

/** Runs an image on the windows in `dir`/input.bin; the outputs land in `dir`/output.bin. */
export async function runDevice(dir: string, linked: LinkedModel, settings: DeviceSettings, what: string, plugin?: { library: string; args: string[]; log: string }): Promise<DeviceReport> {
  const stdout = await runQemu({ board: linked.board, elf: linked.image.elf, cwd: dir, timeoutSeconds: settings.timeoutSeconds, plugin, what });
  const report = /ecgc-device: windows (\d+) stack-peak (\d+) stack-size (\d+)/.exec(stdout);
  if (!report) throw new EcgcError(`${what}: the guest exited without its report (output: ${stdout.slice(0, 200) || 'none'})`);
  return { windows: Number(report[1]), stackPeak: Number(report[2]), stackSize: Number(report[3]) };
}
