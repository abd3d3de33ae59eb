/** `ecgc compile` and `ecgc verify` through the CLI, and their bad input. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/onnx/build.js';
import { ecgc, expectOneLine, onlyPath } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { randomFloats } from '../helpers/random.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ecgc-compile-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const model = fixturePath('mobilenet1d', 'model.onnx');

describe('ecgc compile', () => {
  it('refuses a 3-D Conv (the reference reads it; the C kernels are 1-D and 2-D), naming the node', async () => {
    const file = join(dir, 'conv3d.onnx');
    writeFileSync(
      file,
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 1, 4, 4, 4] }],
        outputs: ['y'],
        initializers: { w: { shape: [2, 1, 3, 3, 3], data: Array.from({ length: 54 }, (_, i) => i / 54) } },
        nodes: [{ name: 'conv3d', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [3, 3, 3] } }],
      }),
    );
    expect((await ecgc(['inspect', file])).exitCode).toBe(0);
    expectOneLine(await ecgc(['compile', file, '--target', 'host', '--out', join(dir, 'c')]), /node 'conv3d' \(Conv\): 3-D convolution has no C kernel \(1-D and 2-D have\)/);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });

  it('writes the header, the schedule, the weights, the runtime and ecgc.mk', async () => {
    const out = join(dir, 'c');
    const r = await ecgc(['compile', model, '--target', 'host', '--out', out, '--name', 'beat']);
    expect(r.exitCode).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['beat.c', 'beat.h', 'beat_weights.c', 'ecgc.mk', 'runtime']);
    expect(readFileSync(join(out, 'beat.h'), 'utf8')).toContain('int beat_run(const float *input, float *output);');
    expect(readFileSync(join(out, 'ecgc.mk'), 'utf8')).toMatch(/-ffp-contract=off/);
    expect(r.stdout).toMatch(/arena [\d.]+ KB \(lower bound/);
    expect(readdirSync(dir)).toEqual(['c']);
  });

  it('refuses a non-empty output directory, leaving it untouched; --force never deletes files ecgc did not write', async () => {
    const out = join(dir, 'c');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'keep');
    const r = await ecgc(['compile', model, '--target', 'host', '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/exists and is not empty; pass --force/);
    expect(readdirSync(out)).toEqual(['mine.txt']);
    const forced = await ecgc(['compile', model, '--target', 'host', '--out', out, '--force']);
    expect(forced.exitCode).toBe(1);
    expect(forced.stderr).toMatch(/holds files ecgc did not write \(mine\.txt\)/);
    expect(readdirSync(out)).toEqual(['mine.txt']);
  });

  it('names an op without a C kernel, and writes nothing', async () => {
    const file = join(dir, 'scaled.onnx');
    writeFileSync(file, buildModel({
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: ['y'],
      initializers: { w: { shape: [3, 4], data: randomFloats(12, 1) } },
      nodes: [{ name: 'scaled_gemm', op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1, alpha: 0.5 } }],
    }));
    const r = await ecgc(['compile', file, '--target', 'host', '--out', join(dir, 'c')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/scaled\.onnx: node 'scaled_gemm' \(Gemm\): Gemm with alpha or beta other than 1, or transA, has no C kernel/);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });

  it('names unknown and unavailable targets', async () => {
    const unknown = await ecgc(['compile', model, '--target', 'avr', '--out', join(dir, 'c')]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/unknown target 'avr'; targets: host, cortex-m0/);
  });
});

describe('ecgc verify', () => {
  it('reports a bit-exact build on synthetic windows and on given inputs', async () => {
    const synthetic = await ecgc(['verify', model, '--target', 'host', '--count', '4']);
    expect(synthetic.exitCode).toBe(0);
    expect(synthetic.stdout).toMatch(/^bit-exact: 4 inputs \(synthetic ECG windows\) x \[5\] outputs, gcc -O0 -O2 -O3/);
    const given = await ecgc(['verify', model, '--target', 'host', '--input', fixturePath('mobilenet1d', 'input.npy')]);
    expect(given.exitCode).toBe(0);
    expect(given.stdout).toMatch(/^bit-exact: 3 inputs/);
  });

  it('says which package to install when gcc is missing', async () => {
    const r = await ecgc(['verify', model, '--target', 'host', '--count', '1'], onlyPath(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('ecgc: gcc is not installed: apt-get install gcc');
  });

  it("shows gcc's first error when the build fails", async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'gcc'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo fake; exit 0; fi\necho "In file included from x.h:1," >&2\necho "model.c:3:1: error: fake failure" >&2\nexit 1\n');
    chmodSync(join(bin, 'gcc'), 0o755);
    const r = await ecgc(['verify', model, '--target', 'host', '--count', '1'], onlyPath(`${bin}:/usr/bin:/bin`));
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('ecgc: gcc failed to compile the generated C (-O0): model.c:3:1: error: fake failure');
  });
});

describe('compile and verify with a compression plan', () => {
  it('is bit-exact, emits the bytes the plan predicted, and refuses a plan for another model', async () => {
    const plan = join(dir, 'plan.json');
    const compress = await ecgc(['compress', model, '--method', 'fixed-q:3', '--out', plan]);
    expect(compress.exitCode, compress.stderr).toBe(0);
    const predicted = JSON.parse(readFileSync(plan, 'utf8')).layers.reduce((sum: number, l: { bytes: { total: number } }) => sum + l.bytes.total, 0);

    const verified = await ecgc(['verify', model, '--target', 'host', '--plan', plan, '--count', '4']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^bit-exact: 4 inputs/);

    const out = join(dir, 'c');
    const compiled = await ecgc(['compile', model, '--target', 'host', '--plan', plan, '--out', out]);
    expect(compiled.exitCode, compiled.stderr).toBe(0);
    const weightsFile = readFileSync(join(out, 'mobilenet1d_weights.c'), 'utf8');
    const emitted = [...weightsFile.matchAll(/^const (float|uint8_t) \w+\[(\d+)\]/gm)].reduce((sum, m) => sum + Number(m[2]) * (m[1] === 'float' ? 4 : 1), 0);
    expect(emitted).toBe(predicted);
    expect(weightsFile).toMatch(/3-bit uniform/);

    const other = await ecgc(['verify', fixturePath('resnet1d', 'model.onnx'), '--target', 'host', '--plan', plan]);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toMatch(/plan\.json: is a plan for another model/);
  }, 120_000);
});
