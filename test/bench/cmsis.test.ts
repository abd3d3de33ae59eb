/**
 * CMSIS-NN as an independent oracle of the integer mode (src/bench/cmsis.ts): a conv1d, a
 * depthwise and a fully connected layer at 8 bits, fed the same int8 input, weights, bias and
 * per-channel multipliers and shifts, give the same int8 outputs under QEMU on cortex-m4f as
 * ecgc's reference. Needs ../shared/peers/cmsis-nn and the Cortex-M tools (never skipped
 * under CI=true). The instruction counts are the bench's, printed by `npm run bench`.
 */
import { describe, expect, it } from 'vitest';
import { SHAPES, cmsisAvailable, compare } from '../../src/bench/cmsis.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';

describe('ecgc int8 layers against CMSIS-NN', () => {
  for (const name of ['A', 'D', 'E']) {
    const shape = SHAPES.find((s) => s.name === name)!;
    it(`${shape.what}: the same int8 outputs as CMSIS-NN s8`, async () => {
      if (!(await cortexToolsAvailable('CMSIS-NN oracle'))) return;
      if (!cmsisAvailable()) {
        if (process.env.CI === 'true') throw new Error('CI must run the CMSIS-NN oracle: ../shared/peers/cmsis-nn is missing');
        console.warn('SKIPPING the CMSIS-NN oracle: no ../shared/peers/cmsis-nn');
        return;
      }
      const c = await compare(shape, 'cortex-m4f', [{ bits: 8, sparsity: 0 }]);
      expect(c.cmsisOutput.length).toBe(c.ecgcOutput.length);
      expect(new Set(c.ecgcOutput).size).toBeGreaterThan(20); // outputs spread over the int8 range, not clamped
      expect(Array.from(c.cmsisOutput)).toEqual(Array.from(c.ecgcOutput));
    }, 300_000);
  }
});
