/**
 * Instruction counts on Cortex-M under QEMU: the TCG plugin counts exactly (a known number of
 * instructions between marks), identically run to run; per-layer counts add up to the
 * per-inference count; `ecgc bench` reports per layer and per MAC, float32 beside a
 * compressed build; the sparsity sweep finds where a sparse conv1d beats the dense one.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MARK, benchOnDevice, layerKind, sparsitySweep, withLayerMarks } from '../../src/bench/device.js';
import { generate } from '../../src/codegen/emit.js';
import type { LayerQuantization } from '../../src/codegen/weights.js';
import { DEVICE_SOURCES, buildImage } from '../../src/toolchain/cortex.js';
import { instructionCountPlugin, readMarks, symbolAddress } from '../../src/toolchain/plugin.js';
import { runQemu } from '../../src/toolchain/qemu.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { ecgc } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { EXAMPLES } from '../helpers/examples.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';

const available = await cortexToolsAvailable('Cortex-M instruction count');
const m4f = cortexTarget('cortex-m4f')!;
const dir = mkdtempSync(join(tmpdir(), 'ecgc-cortex-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('per-layer marks in a copy of the model code', () => {
  it('marks every step of <name>_run and the output copy, and names the steps', () => {
    const { graph } = loadFixture('mobilenet1d');
    const generated = generate(graph, 'mobilenet1d.onnx', { target: 'cortex-m4f' });
    const marked = withLayerMarks(generated.files.get('mobilenet1d.c')!, 'mobilenet1d');
    expect(marked.steps.map((s) => s.node)).toEqual(graph.nodes.filter((n) => !['Flatten', 'Reshape', 'Identity'].includes(n.op)).map((n) => n.name));
    expect(marked.text.match(new RegExp(`^  ${MARK}\\(\\);$`, 'gm'))).toHaveLength(marked.steps.length + 1);
    expect(marked.text).toContain(`void ${MARK}(void);`);
    expect(graph.nodes.map((n) => layerKind(graph, n))).toEqual(expect.arrayContaining(['dense conv', 'depthwise conv', 'pointwise conv', 'fc']));
  });

  it('depth first, also marks the steps _run leaves to <name>_finish (the layers after the chain) and its output copy', () => {
    const { graph } = loadFixture('mobilenet1d');
    const code = generate(graph, 'mobilenet1d.onnx', { target: 'cortex-m4f', schedule: 'stream' }).files.get('mobilenet1d.c')!;
    expect(code).toMatch(/^ {2}return mobilenet1d_finish\(a, output\);$/m);
    const marked = withLayerMarks(code, 'mobilenet1d');
    expect(marked.steps).toEqual([
      { node: `${graph.nodes[0].name} .. /gap/GlobalAveragePool`, op: 'Stream' },
      { node: '/fc/Gemm', op: 'Gemm' },
    ]);
    expect(marked.text.match(new RegExp(`^  ${MARK}\\(\\);$`, 'gm'))).toHaveLength(marked.steps.length + 1);
  });
});

describe.skipIf(!available)('the instruction-count plugin', () => {
  it('counts exactly the instructions between two marks, the same every run', async () => {
    writeFileSync(
      join(dir, 'main.c'),
      `__attribute__((noinline)) void ${MARK}(void) { __asm__ volatile("" ::: "memory"); }\n` +
        `int main(void) {\n  ${MARK}();\n  __asm__ volatile(".rept 1000\\n\\tnop\\n\\t.endr");\n  ${MARK}();\n  return 0;\n}\n`,
    );
    const linked = await buildImage({ dir, target: m4f, board: m4f.board, optimization: '-O2', sources: ['main.c', ...DEVICE_SOURCES], includeDirs: [], flashBytes: 65536, ramBytes: 65536, stackBytes: 1024, output: 'nops' });
    if (!('image' in linked)) throw new Error('did not link');
    // built with host gcc on first use, into the cache
    const cache = process.env.ECGC_CACHE_DIR;
    process.env.ECGC_CACHE_DIR = join(dir, 'cache');
    const library = await instructionCountPlugin().finally(() => (cache === undefined ? delete process.env.ECGC_CACHE_DIR : (process.env.ECGC_CACHE_DIR = cache)));
    expect(library.startsWith(join(dir, 'cache', 'plugin', 'libecgc_insn_count-'))).toBe(true);
    expect(existsSync(library)).toBe(true);
    const counts = [];
    for (const run of [1, 2]) {
      const log = join(dir, `nops${run}.log`);
      await runQemu({ board: m4f.board, elf: linked.image.elf, cwd: dir, what: 'nops', plugin: { library, args: [`mark=${await symbolAddress(linked.image.elf, MARK)}`], log } });
      const marks = readMarks(log);
      expect(marks).toHaveLength(2);
      counts.push(marks[1] - marks[0]);
    }
    // the marker's return, 1000 nops and the call of the next mark
    expect(counts).toEqual([1002, 1002]);
  });

  it('per-layer counts add up to the count per inference, identically run to run', async () => {
    const { graph, input } = loadFixture('mobilenet1d');
    const first = await benchOnDevice(graph, fixturePath('mobilenet1d', 'model.onnx'), m4f, input.data, 2);
    const second = await benchOnDevice(graph, fixturePath('mobilenet1d', 'model.onnx'), m4f, input.data, 2);
    expect(second.perInference).toBe(first.perInference);
    expect(second.layers).toEqual(first.layers);
    expect(first.markCost).toBe(2);
    const sum = first.layers.reduce((s, l) => s + l.instructions, 0) + first.outsideLayers;
    expect(Math.abs(sum - first.perInference) / first.perInference).toBeLessThan(1e-4);
    expect(first.macs).toBe(148_056);
    for (const layer of first.layers.filter((l) => l.macs > 0)) {
      expect(layer.instructions / layer.macs, layer.node).toBeGreaterThan(2);
      expect(layer.instructions / layer.macs, layer.node).toBeLessThan(40);
    }
    expect(first.sizes.flash).toBeGreaterThan(first.weightBytes);
    // depth first: the chain and the layer after it, adding up the same way
    const stream = await benchOnDevice(graph, fixturePath('mobilenet1d', 'model.onnx'), m4f, input.data, 2, { schedule: 'stream' });
    expect(stream.layers.map((l) => l.op)).toEqual(['Stream', 'Gemm']);
    expect(stream.layers.reduce((s, l) => s + l.macs, 0)).toBe(first.macs);
    const streamSum = stream.layers.reduce((s, l) => s + l.instructions, 0) + stream.outsideLayers;
    expect(Math.abs(streamSum - stream.perInference) / stream.perInference).toBeLessThan(1e-4);
  }, 60_000);

  it('a compressed build costs what its layers cost: 4-bit pointwise layers beside float32', async () => {
    const { graph, input } = loadFixture('mobilenet1d');
    const quantization = new Map<string, LayerQuantization>(graph.nodes.filter((n) => n.op === 'Conv').map((n) => [n.name, { spec: { bits: 4, quantizer: 'uniform', threshold: -1 }, encoding: 'dense' }]));
    const dense = await benchOnDevice(graph, 'mobilenet1d.onnx', m4f, input.data, 1, { perInference: false });
    const compressed = await benchOnDevice(graph, 'mobilenet1d.onnx', m4f, input.data, 1, { quantization, perInference: false });
    expect(compressed.layers.map((l) => l.node)).toEqual(dense.layers.map((l) => l.node));
    // element-wise layers do not change; the weight bytes shrink
    const relu = (b: typeof dense) => b.layers.filter((l) => l.op === 'Relu').map((l) => l.instructions);
    expect(relu(compressed)).toEqual(relu(dense));
    expect(compressed.weightBytes).toBeLessThan(dense.weightBytes / 3);
  }, 60_000);
});

describe.skipIf(!available)('ecgc bench', () => {
  it('reports instructions per inference, per layer and per MAC, never cycles', async () => {
    const r = await ecgc(['bench', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'cortex-m4f', '--count', '1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('ecgc.bench/1');
    expect(report.note).toMatch(/instructions, not cycles/);
    const float32 = report.model.float32;
    expect(float32.board).toBe('mps2-an386');
    expect(float32.instructionsPerMac).toBeCloseTo(float32.instructionsPerInference / 148_056, 6);
    expect(Object.keys(float32.byKind).sort()).toEqual(['dense conv', 'depthwise conv', 'fc', 'pointwise conv']);
    expect(report.model.planBuild).toBeNull();
    const text = await ecgc(['bench', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'cortex-m4f', '--count', '1']);
    expect(text.stdout).toMatch(/^per inference: float32 [\d,]+ instructions, [\d.]+ per MAC \(148,056 MACs\)$/m);
    // "cycle" appears once: in the note that these are not cycles
    expect(text.stdout.split('\n').filter((line) => /cycle/i.test(line))).toEqual([report.note]);
  }, 60_000);

  it("tables an int8 plan's build beside the float32 one, its own steps (quantizing the input, dequantizing the output) included", async () => {
    const v2 = join(EXAMPLES, 'arrhythminet-v2');
    const r = await ecgc(['bench', join(v2, 'model.onnx'), '--target', 'cortex-m4f', '--count', '1', '--plan', join(v2, 'plan-int8.json')]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\/features\/features\.2\/features\.2\.0\/Conv +pointwise conv +147,456 +[\d,]+ +[\d.]+ +[\d,]+ +[\d.]+ +[\d.]+$/m);
    expect(r.stdout).toMatch(/^input__quantize +QuantizeS8 +0 +- +- +[\d,]+ +- +-$/m);
  }, 120_000);

  it('refuses the host target and a missing model', async () => {
    const host = await ecgc(['bench', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host']);
    expect(host.exitCode).toBe(1);
    expect(host.stderr).toMatch(/ecgc bench runs on a Cortex-M target under QEMU; 'host' is not one of cortex-m0/);
    const none = await ecgc(['bench', '--target', 'cortex-m4f']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/needs a model, or --break-even/);
  });
});

describe.skipIf(!available)('break-even sparsity of a sparse conv1d layer', () => {
  it('dense costs the same at every sparsity, sparse falls with it, and they cross', async () => {
    const sweep = await sparsitySweep(m4f, { inChannels: 8, outChannels: 8, kernel: 5, length: 48 }, { bits: 4, sparsities: [0, 0.3, 0.6, 0.9] });
    const series = (encoding: string) => sweep.points.filter((p) => p.encoding === encoding);
    expect(series('dense').map((p) => p.zeros)).toEqual([0, 0.3, 0.6, 0.9]);
    expect(new Set(series('dense').map((p) => p.instructions)).size).toBe(1);
    for (const encoding of ['bitmap', 'delta']) {
      const costs = series(encoding).map((p) => p.instructions);
      expect(costs, encoding).toEqual([...costs].sort((a, b) => b - a));
      expect(costs[3], encoding).toBeLessThan(series('dense')[3].instructions / 3);
      expect(sweep.breakEven[encoding], encoding).not.toBeNull();
      expect(sweep.breakEven[encoding]!, encoding).toBeLessThan(0.9);
    }
    expect(sweep.macs).toBe(8 * 8 * 5 * 48);
  }, 60_000);
});
