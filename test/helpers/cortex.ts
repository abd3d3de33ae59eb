/**
 * Whether the Cortex-M tests can run: arm-none-eabi-gcc with newlib, qemu-system-arm and host
 * gcc (the QEMU plugin). They run whenever these are installed, print a SKIPPING line when
 * not, and fail (never skip) when CI=true.
 */
import { execa } from 'execa';

async function works(command: string, args: string[]): Promise<boolean> {
  try {
    const r = await execa(command, args, { reject: false });
    return r.exitCode === 0 && !(args[0].startsWith('-print-file-name') && r.stdout.trim() === args[0].split('=')[1]);
  } catch {
    return false;
  }
}

export async function cortexToolsAvailable(what: string): Promise<boolean> {
  const missing = [];
  if (!(await works('arm-none-eabi-gcc', ['-print-file-name=nano.specs']))) missing.push('arm-none-eabi-gcc with newlib (gcc-arm-none-eabi, libnewlib-arm-none-eabi)');
  if (!(await works('qemu-system-arm', ['--version']))) missing.push('qemu-system-arm');
  if (!(await works('gcc', ['--version']))) missing.push('gcc');
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') throw new Error(`CI must run the ${what} tests: missing ${missing.join(', ')} (see .ci/run)`);
  console.log(`SKIPPING ${what} tests: ${missing.join(', ')} not installed`);
  return false;
}
