/**
 * Whether a tool a test needs is installed (torch, numpy, make, script): the rule of
 * cortex.ts and data.ts. A test that needs one runs whenever it works, prints a SKIPPING line
 * when not, and fails (never skips) when CI=true (.ci/run installs them).
 */
import { execaSync } from 'execa';

/** The Python that `ecgc finetune` runs by default (src/compress/finetune.ts DEFAULT_PYTHON) and the numpy checks use. */
export const PYTHON = '/usr/bin/python3';

/**
 * True when `probe` (a command and its arguments) runs and exits 0. When it does not: under
 * CI=true throws, otherwise prints `SKIPPING <what>: ...` (with `install`, how to get the tool)
 * and returns false.
 */
export function toolAvailable(what: string, probe: readonly [string, ...string[]], install: string): boolean {
  const [command, ...args] = probe;
  let works: boolean;
  try {
    works = execaSync(command, args, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }).exitCode === 0;
  } catch {
    works = false; // not installed at all (ENOENT)
  }
  if (works) return true;
  const failed = `\`${probe.join(' ')}\` failed`;
  if (process.env.CI === 'true') throw new Error(`CI must run ${what}: ${failed} (${install}; see .ci/run)`);
  console.warn(`SKIPPING ${what}: ${failed} (${install})`);
  return false;
}

/** torch and onnx for /usr/bin/python3: what `ecgc finetune` trains with. */
export function torchAvailable(what: string): boolean {
  return toolAvailable(what, [PYTHON, '-c', 'import torch, onnx'], 'apt-get install python3-torch python3-onnx');
}

/** numpy for /usr/bin/python3: the .npy cross-checks. */
export function numpyAvailable(what: string): boolean {
  return toolAvailable(what, [PYTHON, '-c', 'import numpy'], 'apt-get install python3-numpy');
}

/** GNU make: the drop-in projects' ecgc.mk and the ECG-patch firmware. */
export function makeAvailable(what: string): boolean {
  return toolAvailable(what, ['make', '--version'], 'apt-get install make');
}

/** util-linux `script`: a pseudo-terminal for the CLI. */
export function scriptAvailable(what: string): boolean {
  return toolAvailable(what, ['script', '--version'], 'apt-get install bsdutils');
}

/** Debian's Chromium: the HTML reports are checked in it, headless. */
export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(what: string): boolean {
  return toolAvailable(what, [CHROMIUM, '--version'], 'apt-get install chromium');
}
