/**
 * examples/hubert-ecg's architectures as the compiler meets them: the wearable model (random
 * weights) against torch on real CinC 2017 records and bit-exact in C depth first, HuBERT-ECG
 * small at full size imported (30 M parameters), and the shipped fine-tuned model with its
 * plan bit-exact on a Cortex-M7 and a Cortex-M55 under QEMU (its card's figures: test/examples/models.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCinc2017Dataset } from '../../src/data/cinc2017.js';
import { encodeNpy, readNpyFloat32 } from '../../src/util/npy.js';
import { ecgc } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { EXAMPLES } from '../helpers/examples.js';
import { CINC2017, hasData } from '../helpers/data.js';
import { PYTHON, torchAvailable } from '../helpers/tools.js';

/** A new temporary directory holding x.npy: the first `count` records of CinC 2017's test split. */
function withTestRecords(prefix: string, count: number): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const test = buildCinc2017Dataset(CINC2017, 'test');
  const samples = test.shape[2];
  writeFileSync(join(dir, 'x.npy'), encodeNpy([count, 1, samples], test.x.subarray(0, count * samples)));
  return dir;
}

const ready = torchAvailable('the HuBERT-ECG export checks') && hasData(CINC2017, 'the HuBERT-ECG export checks');

describe.skipIf(!ready)('HuBERT-ECG exports', () => {
  let dir = '';
  beforeAll(() => {
    dir = withTestRecords('ecgc-hubert-', 3);
    execaSync(PYTHON, [join('test', 'examples', 'hubert_export.py'), join(dir, 'x.npy'), dir]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the wearable model gives torch scores on real 30-s records (float32 sums and erf differ by design: 1e-5 of the largest)', async () => {
    const run = await ecgc(['run', join(dir, 'wearable.onnx'), '--input', join(dir, 'x.npy'), '--output', join(dir, 'y.npy')]);
    expect(run.exitCode, run.stderr).toBe(0);
    const ours = readNpyFloat32(join(dir, 'y.npy')).data;
    const torch = readNpyFloat32(join(dir, 'torch.npy')).data;
    const scale = Math.max(...torch.map(Math.abs));
    ours.forEach((v, i) => expect(Math.abs(v - torch[i])).toBeLessThan(1e-5 * scale));
  });

  it('its C is bit-exact with the encoder depth first (GELU fused, so the convolutions chain)', async () => {
    const verify = await ecgc(['verify', join(dir, 'wearable.onnx'), '--target', 'host', '--input', join(dir, 'x.npy'), '--schedule', 'stream']);
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^bit-exact: 3 inputs/);
    expect(verify.stdout).not.toMatch(/no chain of Conv layers/);
    // layer by layer the encoder's first outputs alone take 1.32 MB; depth first, attention's 459 KB is the peak
    const arena = Number(/arena ([\d.]+) KB/.exec(verify.stdout)?.[1]);
    expect(arena).toBeLessThan(500);
  }, 300_000);

  it('HuBERT-ECG small imports at full size: 30.2 M parameters, one Gelu per GELU', async () => {
    const inspect = await ecgc(['inspect', join(dir, 'small.onnx'), '--json']);
    expect(inspect.exitCode, inspect.stderr).toBe(0);
    const report = JSON.parse(inspect.stdout);
    expect(report.totals.params).toBe(30_192_648);
    const ops = report.nodes.map((n: { op: string }) => n.op);
    expect(ops.filter((op: string) => op === 'Gelu')).toHaveLength(5 + 1 + 8); // the encoder's convolutions, the positional one, each layer's FFN
    expect(ops).not.toContain('Erf');
  });
});

const SHIPPED = join(EXAMPLES, 'hubert-ecg');
const device = (await cortexToolsAvailable('the HuBERT-ECG device')) && hasData(CINC2017, 'the HuBERT-ECG device check');

// The M7 part the card names (STM32F767ZI: 2 MB flash, 512 KB RAM), and the M55 board QEMU models (its 512 KB ITCM holds the code).
const DEVICES = [
  { target: 'cortex-m7', flash: '2M', ram: '512K' },
  { target: 'cortex-m55', flash: '512K', ram: '2M' },
];

describe.skipIf(!device)('the shipped HuBERT-ECG on a Cortex-M', () => {
  let dir = '';
  beforeAll(() => {
    dir = withTestRecords('ecgc-hubert-device-', 2);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const { target, flash, ram } of DEVICES) {
    it(`model.onnx with plan.json is bit-exact on ${target} under QEMU on two CinC 2017 test records, depth first, within ${flash} of flash and ${ram} of RAM`, async () => {
      const verify = await ecgc(['verify', join(SHIPPED, 'model.onnx'), '--plan', join(SHIPPED, 'plan.json'), '--target', target, '--input', join(dir, 'x.npy'), '--schedule', 'stream', '--stream-block', '16', '--flash', flash, '--ram', ram]);
      expect(verify.exitCode, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/^bit-exact: 2 inputs/);
    }, 600_000);
  }
});
