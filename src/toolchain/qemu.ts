/**
 * qemu-system-arm: runs a Cortex-M image with semihosting (file I/O relative to `cwd`, text on
 * stdout, the exit status from SYS_EXIT_EXTENDED), always under a timeout. A guest that
 * faults, overflows its stack, locks up or hangs becomes one clear error (exit 1).
 */
import { runChild } from '../util/child.js';
import { EcgcError } from '../errors.js';
import { requireTool } from './host.js';
import type { Board } from './targets.js';

export const QEMU = 'qemu-system-arm';
export const QEMU_PACKAGE = 'qemu-system-arm';
export const DEFAULT_TIMEOUT_SECONDS = 60;
/** The status start-up code returns for a fault (runtime-c/cortex/ecgc_device.h). */
const EXIT_FAULT = 70;

export interface QemuRun {
  board: Board;
  elf: string;
  cwd: string;
  timeoutSeconds?: number;
  /** A TCG plugin (shared library) and its arguments; its output goes to `log`. */
  plugin?: { library: string; args: string[]; log: string };
  /** What the run is, for messages: e.g. "arrhythminet_v2 on cortex-m4f (-O2)". */
  what: string;
}

/** The guest's semihosting output; throws if it did not exit with status 0. */
export async function runQemu(run: QemuRun): Promise<string> {
  await requireTool(QEMU, QEMU_PACKAGE);
  const timeout = run.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const args = ['-M', run.board.machine, '-display', 'none', '-monitor', 'none', '-serial', 'null', '-semihosting-config', 'enable=on,target=native,chardev=sh0', '-chardev', 'stdio,id=sh0', '-kernel', run.elf];
  if (run.plugin) args.push('-plugin', [run.plugin.library, ...run.plugin.args].join(','), '-d', 'plugin', '-D', run.plugin.log);
  const result = await runChild(QEMU, args, { cwd: run.cwd, reject: false, timeout: timeout * 1000, stdin: 'ignore' });
  if (result.timedOut) {
    throw new EcgcError(`${run.what}: the guest did not finish within ${timeout} s under ${QEMU} -M ${run.board.machine} (it hangs, or needs longer: raise --timeout)`);
  }
  if (result.exitCode === 0) return result.stdout;
  const device = result.stdout.split('\n').filter((line) => line.startsWith('ecgc-device: ')).pop()?.slice('ecgc-device: '.length);
  const lockup = /Lockup[^\n]*/.exec(result.stderr);
  let what: string;
  if (device) what = result.exitCode === EXIT_FAULT ? `the guest faulted: ${device}` : device.startsWith('stack overflow') ? `${device} (reserve more with --stack)` : device;
  else if (lockup) {
    const sp = /R13=([0-9a-f]{8})/.exec(result.stderr);
    const below = sp && parseInt(sp[1], 16) < run.board.ram.origin;
    what = `the guest locked up (${lockup[0].trim()}: a fault in the fault handler)${below ? `; its stack pointer 0x${sp[1]} is below RAM: the stack overflowed (raise --stack)` : ''}`;
  } else if (result.signal) what = `${QEMU} was killed by ${result.signal}: ${firstLines(result.stderr)}`;
  else what = `the guest exited with status ${result.exitCode}${result.stderr || result.stdout ? `: ${firstLines(result.stderr || result.stdout)}` : ''}`;
  throw new EcgcError(`${run.what}: ${what}`);
}

function firstLines(text: string): string {
  return text.split('\n').filter((line) => line.trim() !== '').slice(0, 3).join(' | ');
}
