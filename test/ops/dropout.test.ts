/**
 * Dropout that drops nothing: inference, and training mode with ratio 0. Its mask (bool, all
 * true) is read here through Cast, so the node is kept rather than removed at import. The
 * reference against onnxruntime (exact: a copy and ones), the C against the reference bit for
 * bit; a random dropout (training mode, ratio above 0) is refused naming the node.
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import type { ModelSpec } from '../../src/onnx/build.js';
import { runReference } from '../helpers/fixtures.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { graphOf } from '../helpers/model.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';
import { randomFloats } from '../helpers/random.js';

/** y = Dropout(x) + float(mask). */
function dropout(training: number | undefined, ratio: number): ModelSpec {
  const modeInputs = training === undefined ? [] : ['ratio', 'training'];
  return {
    opset: 13,
    inputs: [{ name: 'x', shape: ['N', 3, 8] }],
    outputs: ['y'],
    initializers: { ratio: { shape: [], data: [ratio] }, training: { shape: [], data: [training ?? 0], bool: true } },
    nodes: [
      { name: 'drop', op: 'Dropout', inputs: ['x', ...modeInputs], outputs: ['d', 'mask'] },
      { op: 'Cast', inputs: ['mask'], outputs: ['m'], attrs: { to: 1 } },
      { op: 'Add', inputs: ['d', 'm'], outputs: ['y'] },
    ],
  };
}

const COUNT = 2;
const x = randomFloats(COUNT * 24, 4);

describe('Dropout with its mask', () => {
  for (const [name, training, ratio] of [['inference', undefined, 0.5], ['training_mode false', 0, 0.5], ['training mode, ratio 0', 1, 0]] as const) {
    it.skipIf(!ort)(`${name}: the reference agrees with onnxruntime`, async () => {
      await agreesWithOrt(dropout(training, ratio), x, COUNT, [3, 8]);
    });

    it(`${name}: y = x + 1, and the C equals the reference bit for bit`, async () => {
      expect(Array.from(runReference(graphOf(dropout(training, ratio)), x, COUNT))).toEqual(Array.from(x, (v) => Math.fround(v + 1)));
      expectVerified(await verifyHost(graphOf(dropout(training, ratio)), 'dropout.onnx', x, COUNT, { optimizations: ['-O2'] }));
    });
  }

  it('refuses a random dropout (training mode, ratio above 0), naming the node', () => {
    expect(() => graphOf(dropout(1, 0.25))).toThrow("node 'drop' (Dropout): training mode with ratio 0.25 (random dropout) is not supported; only ratio 0 is deterministic");
  });
});
