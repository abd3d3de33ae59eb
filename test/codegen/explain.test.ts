/**
 * <name>_explain (compile/verify --explain): the class activation map the C computes from the
 * arena the run leaves behind, bit for bit the reference's (src/explain/device.ts), on the
 * host and under QEMU on cortex-m4f, for the shipped beat models whose head is linear (the
 * ArrhythmiaNets), float and compressed (a float32 plan, an int8 plan); a map the planner would
 * have overwritten is kept; a wrong map is caught.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/codegen/plan.js';
import { verifyDevice, verifyHost } from '../../src/codegen/verify.js';
import { generate } from '../../src/codegen/emit.js';
import { readDataset } from '../../src/data/dataset.js';
import { deviceCam } from '../../src/explain/device.js';
import { numericsOf } from '../../src/explain/numerics.js';
import { loadModel } from '../../src/model/load.js';
import { readPlan } from '../../src/plan/plan.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { ROOT, ecgc, expectOneLine } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { EXAMPLES } from '../helpers/examples.js';
import { fixturePath } from '../helpers/fixtures.js';

const beats = readDataset(join(ROOT, 'examples', 'mitdb-beats'));
/** The shipped beat models whose head is linear, float and with their shipped plans. */
const BUILDS: [string, string | undefined][] = [
  ['arrhythminet-v1/model.onnx', undefined],
  ['arrhythminet-v1/model-qat.onnx', 'arrhythminet-v1/plan-qat.json'],
  ['arrhythminet-v2/model.onnx', undefined],
  ['arrhythminet-v2/model.onnx', 'arrhythminet-v2/plan-laq-lap.json'],
  ['arrhythminet-v2/model.onnx', 'arrhythminet-v2/plan-int8.json'],
  ['arrhythminet-v2-aami/model.onnx', undefined],
];

function build(model: string, planFile: string | undefined) {
  const file = join(EXAMPLES, model);
  const graph = loadModel(file);
  const planned = planFile ? loadPlan(join(EXAMPLES, planFile), file, graph) : undefined;
  const explain = deviceCam(numericsOf(graph, planFile ? readPlan(join(EXAMPLES, planFile), graph) : undefined));
  return { file, graph: planned?.graph ?? graph, quantization: planned?.quantization, explain };
}

describe('<name>_explain on the host', () => {
  for (const [model, plan] of BUILDS) {
    it(`${model}${plan ? ` with ${plan}` : ''}: the map after every run, bit for bit`, async () => {
      const { file, graph, quantization, explain } = build(model, plan);
      expect(explain.positions).toBeGreaterThan(1);
      expectVerified(await verifyHost(graph, file, beats.x, 10, { quantization, explain, optimizations: ['-O0', '-O2'] }));
    }, 120_000);
  }

  it('keeps the pooled map alive to the end of the run, where the planner would otherwise reuse it', () => {
    const { file, graph, explain } = build('arrhythminet-v2/model.onnx', undefined);
    const end = (memory: ReturnType<typeof generate>['memory']) => Math.max(...memory.placements.map((p) => p.last));
    // the map is the Relu's output, computed in place of its Conv's: their buffer is one
    const relu = graph.nodes.find((n) => n.outputs.includes(explain.value))!;
    const lastUse = (memory: ReturnType<typeof generate>['memory']) => memory.placements.find((p) => p.name === explain.value || p.name === relu.inputs[0])!.last;
    const plain = generate(graph, file, { target: 'host' }).memory;
    const explained = generate(graph, file, { target: 'host', explain }).memory;
    expect(lastUse(plain)).toBeLessThan(end(plain));
    expect(lastUse(explained)).toBe(end(explained));
  });
});

const cortex = await cortexToolsAvailable('<name>_explain under QEMU');

describe.runIf(cortex)('<name>_explain on cortex-m4f under QEMU', () => {
  for (const [model, plan] of BUILDS) {
    it(`${model}${plan ? ` with ${plan}` : ''}: -O2 and -Os, bit for bit`, async () => {
      const { file, graph, quantization, explain } = build(model, plan);
      expectVerified(await verifyDevice(graph, file, beats.x, 10, cortexTarget('cortex-m4f')!, { quantization, explain }));
    }, 180_000);
  }
});

describe('compile and verify --explain', () => {
  it('declares <name>_explain in the header, and verify compares its map', async () => {
    const model = fixturePath('mobilenet1d', 'model.onnx');
    const r = await ecgc(['verify', model, '--target', 'host', '--count', '3', '--explain']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^bit-exact: 3 inputs \(synthetic ECG windows\) x \[5\] outputs and \d+ explain map values, gcc -O0 -O2 -O3/);
    const graph = loadModel(model);
    const generated = generate(graph, model, { target: 'host', explain: deviceCam(numericsOf(graph)) });
    const header = generated.files.get(`${generated.name}.h`)!;
    expect(header).toContain(`int ${generated.name}_explain(float *cam);`);
    expect(header).toMatch(new RegExp(`#define ${generated.name.toUpperCase()}_CAM_POSITIONS \\d+`));
  }, 60_000);

  it('refuses a model whose head is not linear, and the depth-first schedule', async () => {
    expectOneLine(await ecgc(['verify', join(EXAMPLES, 'patch-beats', 'model.onnx'), '--target', 'host', '--count', '1', '--explain']), /CAM needs a model that ends in global average pooling and a linear layer; node '\/head\/head\.2\/Relu' \(Relu\)/);
    expectOneLine(await ecgc(['verify', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host', '--count', '1', '--explain', '--schedule', 'stream']), /--explain needs the layer-by-layer schedule/);
  }, 60_000);
});
