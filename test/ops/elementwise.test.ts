/**
 * Element-wise ops added through the op seam (Abs, Sign, Exp, Elu, Selu, HardSigmoid,
 * HardSwish, Softsign, Log, Softplus, Floor, Ceil, Round, PRelu, Pow): the reference against
 * onnxruntime (within the oracles' tolerance: exp and log are ecgc's own float32
 * approximations) and the C against the reference bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { ORACLE_TOLERANCE, relativeError, runReference } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { ort } from '../helpers/ort.js';

const CASES: { op: string; attrs?: Record<string, number>; opset?: number; input?: (v: number) => number }[] = [
  { op: 'Abs' },
  { op: 'Sign' },
  { op: 'Exp' },
  { op: 'Elu' },
  { op: 'Elu', attrs: { alpha: 0.3 } },
  { op: 'Selu' },
  { op: 'Selu', attrs: { alpha: 2.5, gamma: 0.5 } },
  { op: 'HardSigmoid' },
  { op: 'HardSigmoid', attrs: { alpha: 0.3, beta: 0.4 } },
  { op: 'HardSwish' },
  { op: 'Softsign' },
  { op: 'Softplus' },
  // log of a positive x, from tiny to large (onnxruntime takes subnormals as FLT_MIN: approx.test.ts checks those)
  { op: 'Log', input: (v) => (v === 0 ? 1e-30 : Math.abs(v) ** 9) },
  // halves and quarters (round's ties, to even), -0, and values beyond 2^23
  ...['Floor', 'Ceil', 'Round'].map((op) => ({ op, input: (v: number) => (v === 0 ? -0 : Math.abs(v) > 7 ? v * 2 ** 22 : Math.round(v * 4) / 4 + (v > 3 ? 0.1 : 0)) })),
];
const COUNT = 3;
const SAMPLE = 4 * 16;

const spec = ({ op, attrs }: (typeof CASES)[number]): ModelSpec => ({
  inputs: [{ name: 'x', shape: ['N', 4, 16] }],
  outputs: ['y'],
  nodes: [{ name: 'op', op, inputs: ['x'], outputs: ['y'], attrs }],
});
// signs, magnitudes up to 8 (exp stays finite), and exact zeros
const input = (map: (v: number) => number = (v) => v) => Float32Array.from(randomFloats(COUNT * SAMPLE, 5, 8), (v, i) => map(i % 17 === 0 ? 0 : v));

describe('element-wise ops', () => {
  for (const c of CASES) {
    const name = `${c.op}${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`;

    it.skipIf(!ort)(`${name}: the reference agrees with onnxruntime`, async () => {
      const x = input(c.input);
      const session = await ort!.InferenceSession.create(buildModel(spec(c)));
      const theirs = (await session.run({ x: new ort!.Tensor('float32', x, [COUNT, 4, 16]) })).y.data as Float32Array;
      expect(relativeError(runReference(graphOf(spec(c)), x, COUNT), theirs)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
    });

    it(`${name}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(spec(c)), 'op.onnx', input(c.input), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('Log of 0 is -inf, of a negative x NaN, with the same bits in the reference and in C', async () => {
    const x = input((v) => (v === 0 ? 0 : -Math.abs(v) - 1));
    expect(runReference(graphOf(spec({ op: 'Log' })), x, COUNT).every((y, i) => (x[i] === 0 ? y === -Infinity : Number.isNaN(y)))).toBe(true);
    expectVerified(await verifyHost(graphOf(spec({ op: 'Log' })), 'op.onnx', x, COUNT, { optimizations: ['-O2'] }));
  });
});

/** PRelu's slope: per channel ([4, 1], torch's PReLU(4) on [N, 4, 16]), one value, or per position. */
describe('PRelu', () => {
  const prelu = (slope: number[]): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 4, 16] }],
    outputs: ['y'],
    initializers: { slope: { shape: slope, data: randomFloats(slope.reduce((a, b) => a * b, 1), 3, 0.5) } },
    nodes: [{ name: 'op', op: 'PRelu', inputs: ['x', 'slope'], outputs: ['y'] }],
  });
  for (const slope of [[4, 1], [1], [16]]) {
    it.skipIf(!ort)(`slope [${slope}]: the reference agrees with onnxruntime`, async () => {
      const x = input();
      const session = await ort!.InferenceSession.create(buildModel(prelu(slope)));
      const theirs = (await session.run({ x: new ort!.Tensor('float32', x, [COUNT, 4, 16]) })).y.data as Float32Array;
      expect(relativeError(runReference(graphOf(prelu(slope)), x, COUNT), theirs)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
    });

    it(`slope [${slope}]: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(prelu(slope)), 'op.onnx', input(), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('refuses, naming the node, a slope that does not broadcast to the input', () => {
    expect(() => graphOf(prelu([2, 4, 1]))).toThrow("node 'op' (PRelu): the slope [2, 4, 1] does not broadcast to the input's shape [1, 4, 16]");
  });
});

/**
 * Pow with an exponent other than a constant scalar multiplication computes: per position
 * (broadcast), non-integer, or computed at run time (2^x), through ecgc's powf.
 */
describe('Pow', () => {
  // integers (negative bases stay real), halves and non-integers, zero
  const exponents = [0, 1, 2, 3, -1, -2, 0.5, 1.5, -0.75, 2.25, 9, -10, 0.3, 4, 1.25, 3.7];
  const pow = (name: string, inputs: [string, string], initializers: ModelSpec['initializers']): ModelSpec & { name: string } => ({
    name,
    inputs: [{ name: 'x', shape: ['N', 4, 16] }],
    outputs: ['y'],
    initializers,
    nodes: [{ name: 'op', op: 'Pow', inputs, outputs: ['y'] }],
  });
  const CASES = [
    pow('x ^ exponent [16]', ['x', 'e'], { e: { shape: [16], data: exponents } }),
    pow('x ^ exponent [4, 1], int64', ['x', 'e'], { e: { shape: [4, 1], data: [2, 3, -1, 5], int64: true } }),
    pow('x ^ 1.5 (a scalar only exp and log compute)', ['x', 'e'], { e: { shape: [], data: [1.5] } }),
    pow('2 ^ x (the exponent at run time)', ['b', 'x'], { b: { shape: [1], data: [2] } }),
  ];
  // magnitudes up to 2 (results stay far from overflow), exact zeros; non-integer powers of a negative base are NaN in ONNX too: positive x there
  const powInput = (positive: boolean) => Float32Array.from(randomFloats(COUNT * SAMPLE, 9, 2), (v, i) => (i % 13 === 0 ? 0 : positive ? Math.abs(v) + 0.01 : v));

  for (const c of CASES) {
    const positive = c.name !== 'x ^ exponent [4, 1], int64';
    it.skipIf(!ort)(`${c.name}: the reference agrees with onnxruntime`, async () => {
      const x = powInput(positive);
      const session = await ort!.InferenceSession.create(buildModel(c));
      const theirs = (await session.run({ x: new ort!.Tensor('float32', x, [COUNT, 4, 16]) })).y.data as Float32Array;
      const ours = runReference(graphOf(c), x, COUNT);
      // relative to each value: results span many magnitudes
      ours.forEach((v, i) => v !== theirs[i] && expect(Math.abs(v - theirs[i])).toBeLessThanOrEqual(ORACLE_TOLERANCE * Math.abs(theirs[i])));
    });

    it(`${c.name}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(c), 'op.onnx', powInput(positive), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('negative bases: integer exponents give real powers, others NaN, with the same bits in the reference and in C', async () => {
    const c = pow('x ^ exponent [16], x < 0', ['x', 'e'], { e: { shape: [16], data: exponents } });
    const x = Float32Array.from(powInput(true), (v) => -v);
    const y = runReference(graphOf(c), x, COUNT);
    y.forEach((v, i) => expect(Number.isNaN(v)).toBe(x[i] !== 0 && !Number.isInteger(exponents[i % 16])));
    expectVerified(await verifyHost(graphOf(c), 'op.onnx', x, COUNT, { optimizations: ['-O2'] }));
  });
});
