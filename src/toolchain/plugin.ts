/**
 * The instruction-count QEMU plugin (runtime-c/cortex/ecgc_insn_count.c): built with host gcc
 * on first use into the ecgc cache (keyed by its source), then run beside an image to count
 * the instructions executed between calls of a marker function found with arm-none-eabi-nm.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from '../util/child.js';
import { EcgcError, fail } from '../errors.js';
import { DEVICE_DIR, cacheDir } from './cortex.js';
import { requireTool } from './host.js';

const PLUGIN_SOURCE = join(DEVICE_DIR, 'ecgc_insn_count.c');
export const CROSS_NM = 'arm-none-eabi-nm';

export async function instructionCountPlugin(): Promise<string> {
  const source = readFileSync(PLUGIN_SOURCE);
  const library = join(cacheDir(), 'plugin', `libecgc_insn_count-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.so`);
  if (existsSync(library)) return library;
  await requireTool('gcc', 'gcc');
  mkdirSync(join(cacheDir(), 'plugin'), { recursive: true });
  const temporary = `${library}.${process.pid}.tmp`;
  const result = await runChild('gcc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-o', temporary, PLUGIN_SOURCE], { reject: false });
  if (result.exitCode !== 0) throw new EcgcError(`gcc failed to build the instruction-count plugin: ${result.stderr.split('\n')[0]}`);
  renameSync(temporary, library);
  return library;
}

/** The address of a function in an image (arm-none-eabi-nm), as the plugin's mark= argument. */
export async function symbolAddress(elf: string, symbol: string): Promise<string> {
  const { stdout } = await runChild(CROSS_NM, [elf]);
  const line = stdout.split('\n').find((l) => l.endsWith(` ${symbol}`) && / [Tt] /.test(l));
  if (!line) fail(`${elf}: no function '${symbol}' (the marker the instruction count needs)`);
  return `0x${line.split(' ')[0]}`;
}

/** The running instruction counts the plugin logged at each mark, in order. */
export function readMarks(log: string): number[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('mark '))
    .map((line) => Number(line.slice(5)));
}
