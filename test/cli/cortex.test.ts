/**
 * `ecgc compile` and `ecgc verify` on Cortex-M targets through the CLI, and their bad input:
 * budgets too small (exit 3 with the breakdown, before linking and on the linked image), a missing
 * cross compiler, newlib or QEMU (naming the Debian package), a guest that faults, overflows
 * its stack or hangs (exit 1, one clear message).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_SOURCES, buildImage, linkerScript } from '../../src/toolchain/cortex.js';
import { runQemu } from '../../src/toolchain/qemu.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { ecgc, onlyPath } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const available = await cortexToolsAvailable('Cortex-M CLI');
const model = fixturePath('mobilenet1d', 'model.onnx');
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ecgc-cortex-cli-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!available)('ecgc verify and compile on a Cortex-M target', () => {
  it('verifies bit for bit under QEMU and reports the linked sizes and the stack peak', async () => {
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--input', fixturePath('mobilenet1d', 'input.npy')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^bit-exact: 3 inputs \(.*input\.npy\) x \[5\] outputs on cortex-m4f, arm-none-eabi-gcc -O2 -Os, qemu-system-arm -M mps2-an386/);
    expect(r.stdout).toMatch(/estimate before linking: flash >= weights 6\.3 KB; RAM >= arena 17\.6 KB \+ stack 2\.0 KB reserved/);
    expect(r.stdout).toMatch(/^-O2: flash [\d.]+ KB \(text \d+ \+ data \d+ B\), RAM [\d.]+ KB/m);
    expect(r.stdout).toMatch(/flash [\d.]+ KB = (kernels code [\d.]+ KB \+ weights 6\.3 KB|weights 6\.3 KB \+ kernels code)/);
    expect(r.stdout).toMatch(/RAM [\d.]+ KB = arena 17\.6 KB \+ 2\.0 KB stack reserved \(peak \d+ B measured\)/);
  });

  it('compiles for the target, links the image and reports its sizes within the budgets', async () => {
    const out = join(dir, 'c');
    const r = await ecgc(['compile', model, '--target', 'cortex-m0', '--out', out, '--flash', '256K', '--ram', '32K', '--opt', '-O2,-Os']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['ecgc.mk', 'mobilenet1d.c', 'mobilenet1d.h', 'mobilenet1d_weights.c', 'runtime']);
    expect(r.stdout).toMatch(/target cortex-m0: arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -mfloat-abi=soft/);
    expect(r.stdout).toMatch(/linked with arm-none-eabi-gcc -O2 \(mps2-an385 memory map\): flash/);
    expect(r.stdout).toMatch(/linked with arm-none-eabi-gcc -Os/);
    // soft float: sqrtf and the float arithmetic come from the libraries
    expect(r.stdout).toMatch(/libc\/libm\/libgcc [\d.]+ KB/);
  });

  it('fits compressed ArrhythmiNet V2 in 16 KB of RAM: --ram picks the depth-first schedule', async () => {
    const example = 'examples/arrhythminet-v2/model.onnx';
    const plan = join(dir, 'plan.json');
    expect((await ecgc(['compress', example, '--method', 'fixed-q:4', '--calibration', '64', '--out', plan])).exitCode).toBe(0);
    const layers = await ecgc(['verify', example, '--target', 'cortex-m4f', '--count', '2', '--plan', plan, '--ram', '16K', '--schedule', 'layers']);
    expect(layers.exitCode).toBe(3);
    const r = await ecgc(['verify', example, '--target', 'cortex-m4f', '--count', '2', '--plan', plan, '--ram', '16K']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^bit-exact: 2 inputs/);
    expect(r.stdout).toMatch(/^schedule stream \(Conv chains depth first, one time step at a time\): auto: the layer-by-layer arena and stack \([\d.]+ KB\) exceed --ram 16\.0 KB/m);
    const ram = /^-O2: flash [\d.]+ KB \(text \d+ \+ data \d+ B\), RAM ([\d.]+) KB/m.exec(r.stdout);
    expect(Number(ram![1])).toBeLessThanOrEqual(16);
  }, 120_000);

  it('exits 3 with the breakdown when the estimate exceeds the RAM budget, writing nothing', async () => {
    const out = join(dir, 'c');
    const r = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', out, '--ram', '8K', '--schedule', 'layers']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^ecgc: over budget: mobilenet1d on cortex-m4f, estimate before linking: the arena and the stack take 19\.6 KB > --ram 8\.0 KB/);
    expect(r.stderr).toMatch(/flash >= weights 6\.3 KB = \/blocks\/blocks\.2\/pw\/Conv [\d.]+ KB \+/);
    expect(r.stderr).toMatch(/RAM >= arena 17\.6 KB \(activations and scratch, from the memory planner\) \+ stack 2\.0 KB reserved/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 3 when the model in the linked image exceeds the flash budget, with what takes the space', async () => {
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1', '--flash', '8K']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^ecgc: over budget: mobilenet1d on cortex-m4f \(-O2\), linked image: the model takes flash [\d.]+ KB \([\d,]+ B\) > --flash 8\.0 KB \(8,192 B\)/);
    expect(r.stderr).toMatch(/^ {2}model: flash [\d.]+ KB = (kernels code [\d.]+ KB \+ weights 6\.3 KB|weights 6\.3 KB \+ kernels code)/m);
    expect(r.stderr).toMatch(/^ {2}model: RAM [\d.]+ KB = arena 17\.6 KB/m);
    const fits = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1', '--flash', '512K', '--ram', '64K']);
    expect(fits.exitCode, fits.stderr).toBe(0);
  });

  it('writes the budget into the linker script as the MEMORY lengths', () => {
    const target = cortexTarget('cortex-m33')!;
    const script = linkerScript({ target, board: target.board, flashBytes: 512 * 1024, ramBytes: 64 * 1024, stackBytes: 1000 });
    expect(script).toMatch(/FLASH \(rx\) : ORIGIN = 0x10000000, LENGTH = 524288/);
    expect(script).toMatch(/RAM \(rwx\) : ORIGIN = 0x38000000, LENGTH = 65536/);
    expect(script).toMatch(/\. \+= 1000;/);
  });

  it('reports a stack overflow as a clear error (exit 1)', async () => {
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1', '--stack', '64', '--opt', '-O2']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ecgc: mobilenet1d on cortex-m4f \(-O2\): stack overflow: the stack pointer reached 0x1fff[0-9a-f]{4}, within 256 bytes of the bottom of the 64-byte stack reserved at 0x20000000 \(reserve more with --stack\)$/);
  });

  it('stops a run that takes longer than --timeout (exit 1)', async () => {
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '64', '--timeout', '0.1', '--opt', '-O2']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('ecgc: mobilenet1d on cortex-m4f (-O2): the guest did not finish within 0.1 s under qemu-system-arm -M mps2-an386 (it hangs, or needs longer: raise --timeout)');
  });

  it('rejects bad flags with one line', async () => {
    for (const [flags, message] of [
      [['--flash', 'lots'], /--flash 'lots' is not a size/],
      [['--timeout', '-1'], /--timeout must be a positive number of seconds/],
      [['--opt', '-Ofast'], /--opt '-Ofast' is not a gcc optimisation level/],
    ] as const) {
      const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1', ...flags]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    const host = await ecgc(['verify', model, '--target', 'host', '--count', '1', '--ram', '64K']);
    expect(host.exitCode).toBe(1);
    expect(host.stderr.trim()).toBe('ecgc: --ram: only for Cortex-M targets (the linked image, QEMU), not --target host');
  });
});

describe.skipIf(!available)('a guest that faults or hangs', () => {
  const target = cortexTarget('cortex-m4f')!;
  const guest = async (body: string) => {
    writeFileSync(join(dir, 'main.c'), `#include <stdint.h>\nint main(void) {\n${body}\n}\n`);
    const linked = await buildImage({ dir, target, board: target.board, optimization: '-O2', sources: ['main.c', ...DEVICE_SOURCES], includeDirs: [], flashBytes: 65536, ramBytes: 65536, stackBytes: 2048, output: 'guest' });
    if (!('image' in linked)) throw new Error('the guest did not link');
    return linked.image.elf;
  };

  it('reports a fault with the exception, pc and fault status (exit status 70 from the handler)', async () => {
    const elf = await guest('return (int)*(volatile uint32_t *)0x70000000u;');
    await expect(runQemu({ board: target.board, elf, cwd: dir, what: 'the guest' })).rejects.toThrow(/^the guest: the guest faulted: fault: exception 3 \(HardFault\) at pc 0x[0-9a-f]{8}, lr 0x[0-9a-f]{8}, CFSR 0x00008200, HFSR 0x40000000, BFAR 0x70000000$/);
  });

  it('stops a guest that never ends at the timeout', async () => {
    const elf = await guest('for (;;) {}');
    const start = performance.now();
    await expect(runQemu({ board: target.board, elf, cwd: dir, what: 'the guest', timeoutSeconds: 0.5 })).rejects.toThrow('the guest: the guest did not finish within 0.5 s under qemu-system-arm -M mps2-an386');
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it('passes the exit status of main through semihosting', async () => {
    const elf = await guest('return 42;');
    await expect(runQemu({ board: target.board, elf, cwd: dir, what: 'the guest' })).rejects.toThrow(/^the guest: the guest exited with status 42$/);
  });
});

describe('missing tools name their Debian package', () => {
  const bin = () => {
    const path = join(dir, 'bin');
    mkdirSync(path);
    return path;
  };

  it('the cross compiler', async () => {
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1'], onlyPath(bin()));
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('ecgc: arm-none-eabi-gcc is not installed: apt-get install gcc-arm-none-eabi');
    const budgeted = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'c'), '--flash', '512K'], onlyPath(join(dir, 'bin')));
    expect(budgeted.exitCode).toBe(1);
    expect(budgeted.stderr.trim()).toBe('ecgc: arm-none-eabi-gcc is not installed: apt-get install gcc-arm-none-eabi (needed to check --flash / --ram on the linked image)');
    const plain = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'c')], onlyPath(join(dir, 'bin')));
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/linked sizes: skipped, arm-none-eabi-gcc is not installed \(apt-get install gcc-arm-none-eabi\)/);
  });

  it('newlib', async () => {
    const path = bin();
    writeFileSync(join(path, 'arm-none-eabi-gcc'), '#!/bin/sh\ncase "$1" in --version) echo "arm-none-eabi-gcc (fake) 12";; -print-file-name=*) echo "${1#-print-file-name=}";; esac\n');
    chmodSync(join(path, 'arm-none-eabi-gcc'), 0o755);
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1'], onlyPath(path));
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('ecgc: newlib for arm-none-eabi-gcc (nano.specs) is not installed: apt-get install libnewlib-arm-none-eabi');
  });

  it.skipIf(!available)('QEMU', async () => {
    const path = bin();
    for (const tool of ['arm-none-eabi-gcc', 'arm-none-eabi-size', 'arm-none-eabi-nm']) symlinkSync((await execa('sh', ['-c', `command -v ${tool}`])).stdout.trim(), join(path, tool));
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--count', '1'], onlyPath(path));
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('ecgc: qemu-system-arm is not installed: apt-get install qemu-system-arm');
  });
});
