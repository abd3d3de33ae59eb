/**
 * InstanceNormalization over one and two spatial axes: the reference against onnxruntime
 * (within the oracles' tolerance), the C (layer norm, then the channel affine) against the
 * reference bit for bit.
 */
import { describe, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import type { ModelSpec } from '../../src/onnx/build.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { graphOf } from '../helpers/model.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';
import { randomFloats } from '../helpers/random.js';

function instanceNormModel(sample: number[], batch: number | string, epsilon?: number): ModelSpec {
  const channels = sample[0];
  return {
    inputs: [{ name: 'x', shape: [batch, ...sample] }],
    outputs: ['y'],
    initializers: { scale: { shape: [channels], data: randomFloats(channels, 3) }, b: { shape: [channels], data: randomFloats(channels, 4) } },
    nodes: [{ name: 'norm', op: 'InstanceNormalization', inputs: ['x', 'scale', 'b'], outputs: ['y'], attrs: epsilon === undefined ? {} : { epsilon } }],
  };
}

for (const [sample, epsilon] of [[[5, 3, 13], undefined], [[4, 21], 0.01]] as const) {
  describe(`InstanceNormalization, ${sample.length - 1}-D`, () => {
    const spec = instanceNormModel([...sample], 'N', epsilon);
    const size = sample.reduce((p: number, d) => p * d, 1);
    // an offset and a scale per sample, so the normalisation has something to remove
    const x = randomFloats(3 * size, 9, 3).map((v, i) => v + 2 * Math.floor(i / size));

    it.skipIf(!ort)('the reference agrees with onnxruntime', async () => {
      await agreesWithOrt(spec, x, 3, [...sample]);
    });

    it('the C equals the reference bit for bit', async () => {
      expectVerified(await verifyHost(graphOf(spec), 'norm.onnx', x, 3, { optimizations: ['-O0', '-O2'] }));
    }, 120_000);

    it('a fixed batch of 2: the affine once per batch, bit-exact', async () => {
      expectVerified(await verifyHost(graphOf(instanceNormModel([...sample], 2, epsilon)), 'norm.onnx', x.slice(0, 2 * size), 1, { optimizations: ['-O2'] }));
    }, 120_000);
  });
}
