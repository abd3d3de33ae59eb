/**
 * Bad input to the built command line: every case must exit 1 with exactly one line on
 * stderr starting 'ecgc: ' (no stack trace, no 'internal error'), print nothing on stdout,
 * and leave no output or temporary file behind. Each case also checks the key phrases of
 * its message, so the test fails if a message becomes vague.
 *
 * Build first: `npx tsc -p .` (the tests execute dist/, not the sources).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildModel, type ModelSpec } from '../../src/onnx/build.js';
import { encodeNpy, readNpyFloat32 } from '../../src/util/npy.js';
import { ecgc } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const { onnx } = onnxProto;
const MOBILENET = fixturePath('mobilenet1d', 'model.onnx');
const MOBILENET_INPUT = fixturePath('mobilenet1d', 'input.npy');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecgc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Result = Awaited<ReturnType<typeof ecgc>>;
type Phrase = string | RegExp;

function expectPhrases(text: string, phrases: Phrase[]): void {
  for (const p of phrases) {
    if (typeof p === 'string') expect(text, `message should contain ${JSON.stringify(p)}`).toContain(p);
    else expect(text, `message should match ${p}`).toMatch(p);
  }
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr, 'stack trace on stderr').not.toContain('    at ');
  expect(stderr, 'stack trace on stderr').not.toMatch(/^\s*at .+:\d+:\d+\)?$/m);
  expect(stderr).not.toContain('internal error');
}

/** Files in the temp dir (recursively), for the no-leftover check. */
function listing(): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

/**
 * The contract for a bad-input failure. `before` is the temp dir listing taken before the
 * command ran: nothing may be added (no output, no '*.tmp-*' file).
 */
function expectCleanFailure(r: Result, before: string[], phrases: Phrase[], output?: string): void {
  const context = `exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.exitCode, context).toBe(1);
  const lines = r.stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
  expect(lines, context).toHaveLength(1);
  expect(lines[0].startsWith('ecgc: '), context).toBe(true);
  expect(lines[0].slice('ecgc: '.length).trim(), context).not.toBe('');
  expectNoStackTrace(r.stderr);
  expect(r.stdout, context).toBe('');
  expectPhrases(lines[0], phrases);
  if (output) expect(existsSync(output), `${output} was left behind`).toBe(false);
  const after = listing();
  expect(after.filter((f) => f.includes('.tmp-')), 'temporary file left behind').toEqual([]);
  expect(after).toEqual(before);
}

/** A seeded linear congruential generator (Numerical Recipes constants). */
function randomBytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

const conv1d = (weight: number[], name = 'conv1.weight'): ModelSpec => ({
  inputs: [{ name: 'x', shape: ['N', 1, 32] }],
  outputs: ['y'],
  initializers: { [name]: { shape: [2, 1, 3], data: weight }, 'conv1.bias': { shape: [2], data: [0.1, -0.1] } },
  nodes: [{ name: 'conv1', op: 'Conv', inputs: ['x', name, 'conv1.bias'], outputs: ['y'], attrs: { kernel_shape: [3], pads: [1, 1] } }],
});

const relu = (shape: (number | string)[], opset = 17): ModelSpec => ({
  opset,
  inputs: [{ name: 'x', shape }],
  outputs: ['y'],
  nodes: [{ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['y'] }],
});

/** A bad model: its bytes (or undefined for a missing file) and the phrases its message must contain. */
interface ModelCase {
  name: string;
  bytes?: () => Uint8Array;
  /** Phrases; the model's path is passed in for cases that must name the file. */
  phrases: (file: string) => Phrase[];
}

const ONNX_NOT_MODEL = /not (a valid|an) ONNX model/;

const modelCases: ModelCase[] = [
  { name: 'a missing model file', phrases: (file) => [file, /cannot read|ENOENT|no such file/i] },
  { name: 'an empty file', bytes: () => new Uint8Array(0), phrases: (file) => [file, 'empty'] },
  {
    name: 'a truncated model (60% of resnet1d)',
    bytes: () => {
      const full = readFileSync(fixturePath('resnet1d', 'model.onnx'));
      return Uint8Array.from(full.subarray(0, Math.floor(full.length * 0.6)));
    },
    phrases: (file) => [file, ONNX_NOT_MODEL, 'truncated'],
  },
  { name: '4 KB of random bytes', bytes: () => randomBytes(4096, 12345), phrases: (file) => [file, ONNX_NOT_MODEL] },
  { name: '4 KB of random bytes (another seed)', bytes: () => randomBytes(4096, 2024), phrases: (file) => [file, ONNX_NOT_MODEL] },
  {
    name: 'a TensorProto, not a model',
    bytes: () =>
      onnx.TensorProto.encode({ name: 'w', dims: [2, 3], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [1, 2, 3, 4, 5, 6] }).finish(),
    phrases: (file) => [file, ONNX_NOT_MODEL],
  },
  {
    name: 'a ModelProto with no graph',
    bytes: () => onnx.ModelProto.encode({ irVersion: 8, producerName: 'test', opsetImport: [{ domain: '', version: 17 }] }).finish(),
    phrases: (file) => [file, ONNX_NOT_MODEL, 'no graph'],
  },
  {
    name: "an unsupported op (NonMaxSuppression in 'weird_node')",
    bytes: () =>
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 1, 32] }],
        outputs: ['y'],
        nodes: [{ name: 'weird_node', op: 'NonMaxSuppression', inputs: ['x', 'x'], outputs: ['y'] }],
      }),
    phrases: (file) => [file, "'weird_node'", 'NonMaxSuppression', /not support/, /supported ops/i, /\bConv\b/, /\bGemm\b/],
  },
  {
    name: "an unsupported op (GridSample in 'weird_node', after a Conv)",
    bytes: () => {
      const spec = conv1d([1, 0, -1, 0.5, 0.5, 0.5]);
      spec.outputs = ['z'];
      spec.nodes.push({ name: 'weird_node', op: 'GridSample', inputs: ['y', 'y'], outputs: ['z'] });
      return buildModel(spec);
    },
    phrases: (file) => [file, "'weird_node'", 'GridSample', /not support/, /supported ops/i, /\bConv\b/, /\bGemm\b/],
  },
  { name: 'opset 6', bytes: () => buildModel(relu(['N', 1, 32], 6)), phrases: (file) => [file, 'opset 6', /not supported/, /7 to 22/] },
  { name: 'opset 23', bytes: () => buildModel(relu(['N', 1, 32], 23)), phrases: (file) => [file, 'opset 23', /not supported/, /7 to 22/] },
  { name: "a dynamic time dimension ['N', 1, 'T']", bytes: () => buildModel(relu(['N', 1, 'T'])), phrases: (file) => [file, "dynamic", "'T'"] },
  { name: 'a batch of 0 ([0, 1, 32])', bytes: () => buildModel(relu([0, 1, 32])), phrases: (file) => [file, /batch of 0/] },
  {
    name: 'NaN in a Conv weight',
    bytes: () => buildModel(conv1d([1, 0, Number.NaN, 0.5, 0.5, 0.5])),
    phrases: () => ["'conv1.weight'", 'NaN'],
  },
  {
    name: 'Infinity in a Conv weight',
    bytes: () => buildModel(conv1d([1, 0, -1, Number.POSITIVE_INFINITY, 0.5, 0.5])),
    phrases: () => ["'conv1.weight'", 'Infinity'],
  },
  {
    name: 'a shape mismatch inside the model (Add of [1,3,10] and [1,4,10])',
    bytes: () =>
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 3, 10] }],
        outputs: ['y'],
        initializers: { w: { shape: [4, 3, 1], data: Array.from({ length: 12 }, (_, i) => i / 12) } },
        nodes: [
          { name: 'pointwise', op: 'Conv', inputs: ['x', 'w'], outputs: ['h'], attrs: { kernel_shape: [1] } },
          { name: 'bad_add', op: 'Add', inputs: ['x', 'h'], outputs: ['y'] },
        ],
      }),
    phrases: (file) => [file, "'bad_add'", /\[1, 3, 10\]/, /\[1, 4, 10\]/, /broadcast/],
  },
];

describe.each([['inspect'], ['run']])('ecgc %s on a bad model', (command) => {
  it.each(modelCases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const model = join(dir, 'model.onnx');
    if (c.bytes) writeFileSync(model, c.bytes());
    const args = [command, model];
    let output: string | undefined;
    if (command === 'run') {
      const input = join(dir, 'x.npy');
      writeFileSync(input, encodeNpy([1, 1, 32], new Float32Array(32)));
      output = join(dir, 'y.npy');
      args.push('--input', input, '--output', output);
    }
    const before = listing();
    const r = await ecgc(args);
    expectCleanFailure(r, before, c.phrases(model), output);
  });
});

describe('ecgc inspect on a directory', () => {
  it('fails cleanly and names the path', async () => {
    const model = join(dir, 'model.onnx');
    mkdirSync(model);
    const before = listing();
    const r = await ecgc(['inspect', model]);
    expectCleanFailure(r, before, [model, /cannot read|EISDIR/i]);
  });
});

describe('ecgc run with a bad input or output', () => {
  /** Writes `bytes` as the input file (unless undefined) and runs mobilenet1d (input [N, 1, 187]). */
  async function runMobilenet(inputBytes: Uint8Array | undefined, options: { inputName?: string; output?: string; extra?: string[] } = {}) {
    const input = join(dir, options.inputName ?? 'x.npy');
    if (inputBytes) writeFileSync(input, inputBytes);
    const output = options.output ?? join(dir, 'y.npy');
    const before = listing();
    const r = await ecgc(['run', MOBILENET, '--input', input, '--output', output, ...(options.extra ?? [])]);
    return { r, before, input, output };
  }

  it('an input whose shape does not match the model ([3, 2, 101] for [1, 187])', async () => {
    const { r, before, input, output } = await runMobilenet(encodeNpy([3, 2, 101], new Float32Array(3 * 2 * 101)));
    expectCleanFailure(r, before, [input, '[3, 2, 101]', '[1, 187]'], output);
  });

  it('an input with the right size but the wrong layout ([3, 187, 1])', async () => {
    const { r, before, input, output } = await runMobilenet(encodeNpy([3, 187, 1], new Float32Array(3 * 187)));
    expectCleanFailure(r, before, [input, '[3, 187, 1]', '[1, 187]'], output);
  });

  it('a missing input file', async () => {
    const { r, before, input, output } = await runMobilenet(undefined, { inputName: 'missing.npy' });
    expectCleanFailure(r, before, [input, /cannot read|ENOENT|no such file/i], output);
  });

  it('an input that is not an .npy file (CSV text)', async () => {
    const { r, before, input, output } = await runMobilenet(new TextEncoder().encode('0.1,0.2,0.3\n0.4,0.5,0.6\n'), { inputName: 'x.csv' });
    expectCleanFailure(r, before, [input, /not a readable \.npy/], output);
  });

  it('an .npy with an integer dtype', async () => {
    const { r, before, input, output } = await runMobilenet(encodeNpy([1, 1, 187], new Int32Array(187)));
    expectCleanFailure(r, before, [input, /float32|float64/, 'i4'], output);
  });

  for (const [value, at] of [[Number.NaN, 100], [Number.NEGATIVE_INFINITY, 7]]) {
    it(`an .npy containing ${value}`, async () => {
      const x = readNpyFloat32(MOBILENET_INPUT);
      const data = x.data.slice();
      data[at] = value;
      const { r, before, input, output } = await runMobilenet(encodeNpy(x.shape, data));
      expectCleanFailure(r, before, [input, String(value), /finite/], output);
    });
  }

  it('a truncated .npy (data cut short)', async () => {
    const bytes = readFileSync(MOBILENET_INPUT);
    const { r, before, input, output } = await runMobilenet(Uint8Array.from(bytes.subarray(0, bytes.length - 100)));
    expectCleanFailure(r, before, [input, /truncated/], output);
  });

  it('a truncated .npy (header cut short)', async () => {
    const bytes = readFileSync(MOBILENET_INPUT);
    const { r, before, input, output } = await runMobilenet(Uint8Array.from(bytes.subarray(0, 40)));
    expectCleanFailure(r, before, [input, /truncated/], output);
  });

  it('an output path inside a directory that does not exist', async () => {
    const output = join(dir, 'no-such-dir', 'y.npy');
    const { r, before, input } = await runMobilenet(readFileSync(MOBILENET_INPUT), { output });
    expect(existsSync(input)).toBe(true);
    expectCleanFailure(r, before, [output, /the directory .*no-such-dir does not exist/], output);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('an output path that is an existing directory', async () => {
    const output = join(dir, 'out');
    mkdirSync(output);
    const { r, before } = await runMobilenet(readFileSync(MOBILENET_INPUT), { output });
    expectCleanFailure(r, before, [output, /cannot write|EISDIR|directory/i]);
    expect(readdirSync(output)).toEqual([]);
  });

  it.each([['0'], ['-1'], ['two'], ['1.5']])('--threads %s', async (threads) => {
    const { r, before, output } = await runMobilenet(readFileSync(MOBILENET_INPUT), { extra: ['--threads', threads] });
    expectCleanFailure(r, before, ['--threads', /positive integer/, `'${threads}'`], output);
  });
});

describe('usage errors (commander)', () => {
  /** Commander's own messages: exit 1, no stack trace, nothing on stdout, the key phrase. */
  async function expectUsageError(args: string[], phrase: RegExp) {
    const before = listing();
    const r = await ecgc(args);
    const context = `exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    expect(r.exitCode, context).toBe(1);
    expectNoStackTrace(r.stderr);
    expect(r.stdout, context).toBe('');
    expect(r.stderr, context).toMatch(phrase);
    expect(listing()).toEqual(before);
  }

  it('an unknown option', async () => {
    await expectUsageError(['inspect', MOBILENET, '--frobnicate'], /unknown option '--frobnicate'/);
  });

  it('an unknown command', async () => {
    await expectUsageError(['frobnicate', MOBILENET], /unknown command 'frobnicate'/);
  });

  it('inspect without its model argument', async () => {
    await expectUsageError(['inspect'], /missing required argument 'model'/);
  });

  it('run without --output', async () => {
    await expectUsageError(['run', MOBILENET, '--input', MOBILENET_INPUT], /required option '--output/);
  });

  it('run with --input but no value', async () => {
    await expectUsageError(['run', MOBILENET, '--output', join(dir, 'y.npy'), '--input'], /argument missing|option '--input <x\.npy>'/);
    expect(existsSync(join(dir, 'y.npy'))).toBe(false);
  });
});
