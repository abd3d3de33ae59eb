/**
 * Budgets count the model, not ecgc's harness: the map file's parts attributed by object (and
 * library members by the object that pulled them in), the linker's MEMORY = budget + the
 * harness's share; the schedule compile, verify and bench share (resolveSchedule); --clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClock, timeAtClock } from '../../src/cli/clock.js';
import { resolveSchedule } from '../../src/cli/options.js';
import { generate } from '../../src/codegen/emit.js';
import { EXIT_BUDGET, EcgcError } from '../../src/errors.js';
import { type ImageSizes, archiveReferences, budgetMemory, checkImageBudget, harnessFootprint, mapParts, modelFootprint } from '../../src/toolchain/size.js';
import { ecgc } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';

const LIBC = '/usr/lib/arm-none-eabi/lib/thumb/libc_nano.a';
const LIBGCC = '/usr/lib/gcc/arm-none-eabi/thumb/libgcc.a';
const OBJ = '/tmp/x/img-obj';

/** A map file in arm-none-eabi-ld's layout, sizes chosen to add up by hand. */
const MAP = `Archive member included to satisfy reference by file (symbol)

${LIBC}(lib_a-memcpy-stub.o)
                              ${OBJ}/net.o (memcpy)
${LIBC}(lib_a-memcmp.o)
                              ${OBJ}/harness.o (memcmp)
${LIBGCC}(_udivsi3.o)
                              ${LIBC}(lib_a-memcmp.o) (__aeabi_uidiv)

Discarded input sections

 .text          0x00000000        0x0 ${OBJ}/net.o

Linker script and memory map

.vectors        0x00000000       0x80
 .vectors       0x00000000       0x80 ${OBJ}/ecgc_startup.o

.text           0x00000080      0x4f0
 .text.net_run
                0x00000080      0x100 ${OBJ}/net.o
 .text.ecgc_conv1d_f32
                0x00000180      0x200 ${OBJ}/ecgc_conv1d_f32.o
 .text.main     0x00000380       0x80 ${OBJ}/harness.o
 .text          0x00000400       0x40 ${LIBC}(lib_a-memcpy-stub.o)
 .text          0x00000440       0x60 ${LIBC}(lib_a-memcmp.o)
 .text          0x000004a0       0x10 ${LIBGCC}(_udivsi3.o)
 *fill*         0x000004b0        0x2

.rodata         0x000004b4      0x400
 .rodata.net_w  0x000004b4      0x400 ${OBJ}/net_weights.o

.stack          0x20000000      0x800
                0x20000000                        _sstack = .
                0x20000800                        . = (. + 0x800)
 *fill*         0x20000000      0x800 

.bss            0x20000800      0x800
 .bss.arena     0x20000800      0x700 ${OBJ}/net.o
 .bss.buffer    0x20000f00      0x100 ${OBJ}/harness.o
`;

const origins = { model: 'net', kernels: new Set(['ecgc_conv1d_f32.o']) };

function sizesOf(map: string): ImageSizes {
  const parts = mapParts(map, origins);
  const flash = parts.filter((p) => p.kind !== 'bss' && p.kind !== 'stack').reduce((s, p) => s + p.bytes, 0);
  const ram = parts.filter((p) => p.kind === 'bss' || p.kind === 'stack').reduce((s, p) => s + p.bytes, 0);
  return { text: flash, data: 0, bss: ram, flash, ram, sections: [], parts, stackReserved: 0x800 };
}

describe('what budgets count: the model, its runtime and the library it pulls in; not the harness', () => {
  it('follows library members to the object that pulled them in', () => {
    const references = archiveReferences(MAP);
    expect(references.get(`${LIBC}(lib_a-memcpy-stub.o)`)).toBe(`${OBJ}/net.o`);
    expect(references.get(`${LIBGCC}(_udivsi3.o)`)).toBe(`${LIBC}(lib_a-memcmp.o)`);
    const parts = mapParts(MAP, origins);
    const bytes = (group: string, kind: string) => parts.find((p) => p.group === group && p.kind === kind)?.bytes;
    expect(bytes('library', 'code')).toBe(0x40); // memcpy, for the model
    // start-up 0x80 + main 0x80 + memcmp 0x60 + the udivsi3 memcmp pulled in 0x10
    expect(bytes('harness', 'code')).toBe(0x80 + 0x80 + 0x60 + 0x10);
    expect(bytes('kernels', 'code')).toBe(0x200);
    expect(bytes('weights', 'constants')).toBe(0x400);
    expect(bytes('padding', 'code')).toBe(2);
  });

  it('measures the model part exactly and checks only it against the budget', () => {
    const sizes = sizesOf(MAP);
    // model: code 0x100 + kernels 0x200 + memcpy 0x40 + weights 0x400 + 2 B alignment; arena 0x700 + stack 0x800
    expect(modelFootprint(sizes)).toEqual({ flash: 0x100 + 0x200 + 0x40 + 0x400 + 2, ram: 0x700 + 0x800 });
    expect(harnessFootprint(sizes)).toEqual({ flash: 0x80 + 0x80 + 0x60 + 0x10, ram: 0x100 });
    expect(() => checkImageBudget(sizes, { flash: 1858, ram: 3840 }, 'net')).not.toThrow();
    let error: unknown;
    try {
      checkImageBudget(sizes, { flash: 1857 }, 'net');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EcgcError);
    expect((error as EcgcError).exitCode).toBe(EXIT_BUDGET);
    expect((error as EcgcError).message).toMatch(/^over budget: net, linked image: the model takes flash 1\.8 KB \(1,858 B\) > --flash 1\.8 KB \(1,857 B\)\n {2}model: flash 1\.8 KB = weights 1\.0 KB \+ kernels code 512 B \+ model code 256 B \+ libc\/libm\/libgcc 64 B \+ alignment 2 B\n {2}model: RAM 3\.8 KB = 2\.0 KB stack reserved \+ arena 1\.8 KB\n {2}ecgc harness .*: flash 368 B, RAM 256 B$/);
  });

  it("links with MEMORY = the budget + the harness's share, within the board", () => {
    const board = { flash: 4 << 20, ram: 4 << 20 };
    expect(budgetMemory({ flash: 25 * 1024, ram: 16 * 1024 }, { flash: 2041, ram: 1068 }, board)).toEqual({ flashBytes: 25 * 1024 + 2041, ramBytes: 16 * 1024 + 1068 });
    expect(budgetMemory({ ram: 16 * 1024 }, { flash: 2041, ram: 1068 }, board)).toEqual({ flashBytes: 4 << 20, ramBytes: 16 * 1024 + 1068 });
    expect(budgetMemory({ flash: 8 << 20 }, { flash: 1, ram: 1 }, board).flashBytes).toBe(4 << 20);
  });
});

describe('the schedule compile, verify and bench resolve alike', () => {
  const { graph } = loadFixture('mobilenet1d');
  const model = fixturePath('mobilenet1d', 'model.onnx');
  const arena = (schedule: 'layers' | 'stream') => generate(graph, model, { target: 'host', schedule }).memory.arenaBytes;

  it('auto: layers without --ram or when it fits, stream when only stream fits, saying why and what each takes', () => {
    expect(resolveSchedule(undefined, graph, model, { stackBytes: 2048 })).toEqual({ schedule: 'layers', block: 1, reason: expect.stringMatching(/^auto: no --ram budget/), ram: null });
    const ram = { layers: arena('layers') + 2048, stream: arena('stream') + 2048 };
    expect(ram.stream).toBeLessThan(ram.layers);
    const fits = resolveSchedule('auto', graph, model, { ram: ram.layers, stackBytes: 2048 });
    expect(fits.schedule).toBe('layers');
    expect(fits.ram).toEqual(ram);
    const tight = resolveSchedule('auto', graph, model, { ram: ram.layers - 1, stackBytes: 2048 });
    expect(tight.schedule).toBe('stream');
    expect(tight.ram).toEqual(ram);
    expect(tight.reason).toMatch(/exceed --ram .*; depth first they take .*, at the price of more instructions per inference/);
    expect(resolveSchedule('layers', graph, model, { ram: 1, stackBytes: 2048 })).toEqual({ schedule: 'layers', block: 1, reason: '--schedule layers', ram: null });
  });

  it('--stream-block: blocks of the depth-first schedule, 1 to 16, said in the reason; not with --schedule layers', () => {
    const blocked = resolveSchedule('stream', graph, model, { stackBytes: 2048, streamBlock: '4' });
    expect(blocked).toMatchObject({ schedule: 'stream', block: 4 });
    expect(blocked.reason).toMatch(/--stream-block 4/);
    for (const bad of ['0', '17', '2.5', 'two']) expect(() => resolveSchedule('stream', graph, model, { stackBytes: 2048, streamBlock: bad }), bad).toThrow(/--stream-block must be an integer from 1 to 16/);
    expect(() => resolveSchedule('layers', graph, model, { stackBytes: 2048, streamBlock: '2' })).toThrow(/does not go with --schedule layers/);
  });
});

describe('--clock', () => {
  it('reads Hz with k / M / G suffixes', () => {
    expect(['64M', '64MHz', '64000000', '64 mhz', '0.064G', '64000k'].map(parseClock)).toEqual(Array(6).fill(64_000_000));
    for (const bad of ['fast', '-1M', '0', '64 MB']) expect(() => parseClock(bad), bad).toThrow(/--clock/);
  });

  it('is a lower bound: one instruction per cycle at most, two on the dual-issue M7', () => {
    expect(timeAtClock(64_000_000, 64_000_000, 'cortex-m4f').secondsLowerBound).toBe(1);
    expect(timeAtClock(64_000_000, 64_000_000, 'cortex-m7').secondsLowerBound).toBe(0.5);
    expect(timeAtClock(1, 1, 'cortex-m4f').note).toMatch(/^a lower bound: QEMU counts instructions, not cycles/);
  });
});

const available = await cortexToolsAvailable('budget');
const dir = mkdtempSync(join(tmpdir(), 'ecgc-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!available)('compile --flash on the linked image', () => {
  it('passes a budget the model fits exactly though the image with the harness does not, and exits 3 one byte below', async () => {
    const model = fixturePath('mobilenet1d', 'model.onnx');
    const measured = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'a'), '--json']);
    expect(measured.exitCode, measured.stderr).toBe(0);
    const image = JSON.parse(measured.stdout).device.images[0];
    expect(image.model.flash + image.harness.flash).toBe(image.flash);
    expect(image.harness.flash).toBeGreaterThan(0);
    const exact = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'b'), '--flash', String(image.model.flash), '--json']);
    expect(exact.exitCode, exact.stderr).toBe(0);
    // the image linked with MEMORY = budget + harness is the same image
    expect(JSON.parse(exact.stdout).device.images[0].flash).toBe(image.flash);
    const below = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'c'), '--flash', String(image.model.flash - 1)]);
    expect(below.exitCode).toBe(3);
    expect(below.stderr).toMatch(new RegExp(`the model takes flash .* \\(${image.model.flash.toLocaleString('en-US')} B\\) > --flash .* \\(${(image.model.flash - 1).toLocaleString('en-US')} B\\)`));
    expect(below.stderr).toMatch(/ecgc harness \(start-up, semihosting, test I\/O; not counted in --flash \/ --ram\)/);
  }, 60_000);
});
