/** Host gcc: builds a generated model with its harness, and runs it. */
import { runChild } from '../util/child.js';
import { EcgcError, fail } from '../errors.js';

/**
 * The flags that make the C bit-exact (-ffp-contract=off: no FMA contraction), and the strict
 * warnings a firmware build may use, as errors: the generated C and the runtime compile clean
 * with them (-pedantic is -Wpedantic).
 */
export const C_FLAGS = ['-std=c99', '-ffp-contract=off', '-fno-math-errno', '-Wall', '-Wextra', '-Wconversion', '-Wshadow', '-Werror', '-pedantic'];

export async function requireTool(tool: string, debianPackage: string): Promise<void> {
  if (!(await installed(tool))) fail(`${tool} is not installed: apt-get install ${debianPackage}`);
}

/** Whether `tool --version` runs. */
export async function installed(tool: string): Promise<boolean> {
  try {
    await runChild(tool, ['--version']);
    return true;
  } catch {
    return false;
  }
}

export interface HostBuild {
  dir: string;
  sources: string[];
  output: string;
  optimization: string;
  extraFlags?: string[];
}

export async function buildHost(build: HostBuild): Promise<number> {
  await requireTool('gcc', 'gcc');
  const start = performance.now();
  const result = await runChild('gcc', [...C_FLAGS, build.optimization, ...(build.extraFlags ?? []), '-Iruntime', '-I.', '-o', build.output, ...build.sources], { cwd: build.dir, reject: false });
  if (result.exitCode !== 0) {
    const firstError = result.stderr.split('\n').find((line) => /error/.test(line)) ?? result.stderr.split('\n')[0];
    throw new EcgcError(`gcc failed to compile the generated C (${build.optimization}): ${firstError}`);
  }
  return (performance.now() - start) / 1000;
}

/** Runs a harness binary (optionally under valgrind); a failure is reported with its output. */
export async function runHarness(binary: string, args: string[], cwd: string, options: { valgrind?: boolean; env?: Record<string, string> } = {}): Promise<void> {
  const [command, commandArgs] = options.valgrind ? ['valgrind', ['--error-exitcode=9', '-q', '--leak-check=full', binary, ...args]] : [binary, args];
  const result = await runChild(command, commandArgs, { cwd, reject: false, env: options.env, timeout: 300_000 });
  if (result.exitCode !== 0) {
    throw new EcgcError(`the compiled model failed (exit ${result.exitCode ?? result.signal}): ${(result.stderr || result.stdout).split('\n').slice(0, 5).join(' | ')}`);
  }
}
