/**
 * Element-wise ops added through the op seam (Abs, Sign, Exp, Elu, Selu, HardSigmoid,
 * HardSwish, Softsign): the reference against onnxruntime (within the oracles' tolerance:
 * exp is ecgc's own float32 approximation) and the C against the reference bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { ORACLE_TOLERANCE, relativeError, runReference } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { ort } from '../helpers/ort.js';

const CASES: { op: string; attrs?: Record<string, number>; opset?: number }[] = [
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
];
const COUNT = 3;
const SAMPLE = 4 * 16;

const spec = ({ op, attrs }: (typeof CASES)[number]): ModelSpec => ({
  inputs: [{ name: 'x', shape: ['N', 4, 16] }],
  outputs: ['y'],
  nodes: [{ name: 'op', op, inputs: ['x'], outputs: ['y'], attrs }],
});
// signs, magnitudes up to 8 (exp stays finite), and exact zeros
const input = () => Float32Array.from(randomFloats(COUNT * SAMPLE, 5, 8), (v, i) => (i % 17 === 0 ? 0 : v));

describe('element-wise ops', () => {
  for (const c of CASES) {
    const name = `${c.op}${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`;

    it.skipIf(!ort)(`${name}: the reference agrees with onnxruntime`, async () => {
      const x = input();
      const session = await ort!.InferenceSession.create(buildModel(spec(c)));
      const theirs = (await session.run({ x: new ort!.Tensor('float32', x, [COUNT, 4, 16]) })).y.data as Float32Array;
      expect(relativeError(runReference(graphOf(spec(c)), x, COUNT), theirs)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
    });

    it(`${name}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(spec(c)), 'op.onnx', input(), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }
});
