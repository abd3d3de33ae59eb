/**
 * The C backend on the host: generated C compiled with gcc (-O0, -O2, -O3) and every output's
 * float32 bits compared with the reference interpreter, for every fixture, every bit width
 * and encoding, hostile names and random graphs; emitted bytes equal the predicted ones.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { generate, harnessSource } from '../../src/codegen/emit.js';
import { cComment, cFloat, cIdentifier } from '../../src/util/c.js';
import { verifyHost } from '../../src/codegen/verify.js';
import { buildHost, runHarness } from '../../src/toolchain/host.js';
import type { LayerQuantization } from '../../src/codegen/weights.js';
import { syntheticWindows } from '../../src/data/synthetic-windows.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { fixturePath, loadFixture, manifest } from '../helpers/fixtures.js';
import { CONV_GEOMETRIES, codebookLevels, convChain } from '../helpers/conv-chain.js';
import { graphOf } from '../helpers/model.js';
import { lcg, randomFloats } from '../helpers/random.js';

describe('every fixture compiles to bit-exact C', () => {
  for (const entry of manifest) {
    it(entry.name, async () => {
      const { graph, input } = loadFixture(entry.name);
      // All three optimisation levels on a few, -O2 on the rest (the suite's time).
      const levels = ['mobilenet1d', 'transformer_opset17', 'resnet1d', 'elementwise_broadcast'].includes(entry.name) ? ['-O0', '-O2', '-O3'] : ['-O2'];
      const result = expectVerified(await verifyHost(graph, fixturePath(entry.name, 'model.onnx'), input.data, input.shape[0], { optimizations: levels }));
      const memory = result.generated.memory;
      expect(memory.arenaBytes).toBeGreaterThanOrEqual(memory.lowerBound);
      // depth first (Conv chains from rings of columns): the same bits, never more RAM
      const streamed = await verifyHost(graph, fixturePath(entry.name, 'model.onnx'), input.data, input.shape[0], { schedule: 'stream', optimizations: ['-O2'] });
      expectVerified(streamed);
      expect(streamed.generated.memory.arenaBytes).toBeLessThanOrEqual(memory.arenaBytes);
      // no two buffers alive at the same step overlap in the arena
      const placements = memory.placements;
      for (const a of placements) {
        for (const b of placements) {
          if (a === b || a.first > b.last || b.first > a.last) continue;
          expect(a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset, `${a.name} and ${b.name}`).toBe(true);
        }
      }
    }, 120_000);
  }
});

describe('quantized layers: every bit width, quantizer and encoding, bit-exact', () => {
  const graph = convChain(61, 7);
  const x = randomFloats(4 * 2 * 61, 11);

  for (const encoding of ['dense', 'bitmap', 'delta'] as const) {
    it(`uniform 1..8 bits (sign at 1 bit), ${encoding}`, async () => {
      const quantization = new Map<string, LayerQuantization>();
      CONV_GEOMETRIES.forEach((_, i) => {
        const bits = i + 1;
        const sign = bits === 1;
        // dense cannot store a zero 1-bit sign code: that layer keeps a sparse encoding there
        quantization.set(`conv${i}`, { spec: { bits, quantizer: sign ? 'sign' : i % 2 ? 'uniform' : 'uniform-layer', threshold: 0.02 }, encoding: sign && encoding === 'dense' ? 'bitmap' : encoding });
      });
      quantization.set('fc', { spec: { bits: 4, quantizer: 'uniform', threshold: 0.01 }, encoding });
      const result = expectVerified(await verifyHost(graph, 'chain.onnx', x, 4, { quantization }));
      // every layer emits exactly the bytes src/pack predicted
      for (const layer of result.generated.layers) {
        const s = layer.size;
        expect(s.total).toBe(s.indexBytes + s.codeBytes + s.scaleBytes + s.levelBytes + s.biasBytes);
      }
      expect(result.generated.layers.map((l) => l.size.encoding)).toContain(encoding);
    }, 120_000);
  }

  it('the specialised 1/2/4/8-bit dense decoders, rows starting mid-byte', async () => {
    // Row lengths 6, 15, 3, 6, 49, 4, 15, 4: most rows of 1, 2 and 4 bits start inside a byte.
    // No weight is zero: a dense 1-bit sign stream has no code for zero.
    const unpruned = convChain(61, 7, { prune: false });
    const quantization = new Map<string, LayerQuantization>();
    CONV_GEOMETRIES.forEach((_, i) => {
      const bits = [1, 2, 4, 8][i % 4];
      // 1 bit is the sign quantizer, which has no zero: nothing pruned there
      const quantizer = bits === 1 ? 'sign' : i < 4 ? 'uniform' : 'uniform-layer';
      quantization.set(`conv${i}`, { spec: { bits, quantizer, threshold: bits === 1 ? 0 : 0.02 }, encoding: 'dense' });
    });
    quantization.set('fc', { spec: { bits: 2, quantizer: 'uniform', threshold: 0.01 }, encoding: 'dense' });
    expectVerified(await verifyHost(unpruned, 'chain.onnx', x, 4, { quantization }));
  }, 120_000);

  it('refuses a dense sign stream for a layer with zero weights', () => {
    const quantization = new Map<string, LayerQuantization>([['conv0', { spec: { bits: 1, quantizer: 'sign', threshold: 0 }, encoding: 'dense' }]]);
    expect(() => generate(graph, 'chain.onnx', { target: 'host', quantization })).toThrow(/conv0.*dense sign stream cannot hold its zero weights/);
  }, 120_000);

  it('pruned float32 layers: indices and the nonzero float32 weights when that is smaller, bit-exact', async () => {
    const quantization = new Map<string, LayerQuantization>();
    CONV_GEOMETRIES.forEach((_, i) => quantization.set(`conv${i}`, { float32Threshold: [0.3, 0.9, 0.5][i % 3] }));
    quantization.set('fc', { float32Threshold: 0.1 });
    for (const schedule of ['layers', 'stream'] as const) {
      const result = await verifyHost(graph, 'chain.onnx', x, 4, { quantization, schedule, optimizations: ['-O0', '-O2'] });
      expectVerified(result, schedule);
      const layers = result.generated.layers;
      expect(new Set(layers.map((l) => l.size.encoding))).toEqual(new Set(['bitmap', 'delta']));
      for (const l of layers) {
        // 4 bytes per nonzero, plus the indices: less than the 4 bytes per weight of dense float32
        const weights = result.generated.reference.constants.get(graph.nodes.find((n) => n.name === l.node)!.inputs[1])!.data;
        const nonzeros = Array.from(weights).filter((w) => w !== 0).length;
        expect(l.size.codeBytes).toBe(4 * nonzeros);
        expect(l.size.indexBytes + l.size.codeBytes).toBeLessThan(4 * weights.length);
      }
    }
  }, 120_000);

  it('codebook 2..8 bits, dense and sparse', async () => {
    const quantization = new Map<string, LayerQuantization>();
    CONV_GEOMETRIES.forEach((_, i) => {
      const bits = 2 + (i % 7);
      quantization.set(`conv${i}`, { spec: { bits, quantizer: 'codebook', threshold: 0.02, levels: codebookLevels(bits) }, encoding: (['dense', 'bitmap', 'delta'] as const)[i % 3] });
    });
    expectVerified(await verifyHost(graph, 'chain.onnx', x, 4, { quantization }));
  }, 120_000);

  it('the weights file holds exactly the predicted bytes', () => {
    const quantization = new Map<string, LayerQuantization>([['conv3', { spec: { bits: 3, quantizer: 'uniform', threshold: 0.05 } }]]);
    const generated = generate(graph, 'chain.onnx', { target: 'host', quantization });
    const weightsFile = generated.files.get('chain_weights.c')!;
    const arrays = [...weightsFile.matchAll(/^const (float|uint8_t) (\w+)\[(\d+)\]/gm)].map((m) => ({ name: m[2], bytes: Number(m[3]) * (m[1] === 'float' ? 4 : 1) }));
    const conv3 = arrays.filter((a) => a.name.startsWith('chain__conv3__')).reduce((sum, a) => sum + a.bytes, 0);
    expect(conv3).toBe(generated.layers.find((l) => l.node === 'conv3')!.size.total);
    expect(arrays.reduce((sum, a) => sum + a.bytes, 0)).toBe(generated.weightBytes);
  });
});

describe('generated code', () => {
  it('is deterministic', () => {
    const { graph } = loadFixture('transformer_opset17');
    const a = generate(graph, 'm.onnx', { target: 'host' });
    const b = generate(graph, 'm.onnx', { target: 'host' });
    expect([...a.files]).toEqual([...b.files]);
  });

  it('sanitises names from the model: a hostile node name cannot inject C', async () => {
    const hostile = 'x*/ int evil(void){return system("rm -rf /");} /*\n#define float int';
    const graph = graphOf({
      inputs: [{ name: 'in"put', shape: ['N', 1, 16] }],
      outputs: [hostile],
      initializers: { [`${hostile}.w`]: { shape: [2, 1, 3], data: randomFloats(6, 1) } },
      nodes: [
        { name: hostile, op: 'Conv', inputs: ['in"put', `${hostile}.w`], outputs: ['c'], attrs: { kernel_shape: [3], pads: [1, 1] } },
        { name: `${hostile}2`, op: 'Relu', inputs: ['c'], outputs: [hostile] },
      ],
    });
    const generated = generate(graph, '*/evil.onnx', { target: 'host' });
    for (const [file, text] of generated.files) {
      // The names may appear in comments, which cannot be closed early: outside them, nothing.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '');
      expect(code, file).not.toContain('system(');
      expect(code, file).not.toMatch(/^#define float/m);
    }
    expectVerified(await verifyHost(graph, '*/evil.onnx', randomFloats(2 * 16, 3), 2, { optimizations: ['-O2'] }));
    expect(cIdentifier('9 a-b*/c')).toBe('m_9_a_b_c');
    expect(cComment('a */ b /* c')).not.toMatch(/\*\/|\/\*/);
    expect(cFloat(0.1)).toBe('0.100000001f');
    expect(cFloat(-0)).toBe('-0.0f');
  });
});

describe('random graphs (seeded fuzzer)', () => {
  const ops = ['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Add', 'Mul', 'MaxPool', 'AveragePool', 'Conv', 'Conv'];
  for (let seed = 1; seed <= 8; seed++) {
    it(`graph ${seed}`, async () => {
      const next = lcg(seed * 7919);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
      const nodes: NodeSpec[] = [];
      const initializers: NonNullable<ModelSpec['initializers']> = {};
      let channels = 1 + Math.floor(next() * 4);
      let length = 20 + Math.floor(next() * 60);
      const input = { name: 'x', shape: ['N', channels, length] as (number | string)[] };
      let x = 'x';
      const quantization = new Map<string, LayerQuantization>();
      for (let i = 0; i < 8; i++) {
        const op = pick(ops);
        const y = `v${i}`;
        if (op === 'Conv') {
          const k = pick([1, 3, 5]);
          const group = pick([1, channels]);
          const cout = group === 1 ? 1 + Math.floor(next() * 6) : channels;
          const stride = length > 12 ? pick([1, 2]) : 1;
          initializers[`w${i}`] = { shape: [cout, channels / group, k], data: randomFloats((cout * channels * k) / group, seed * 100 + i, 0.5) };
          initializers[`b${i}`] = { shape: [cout], data: randomFloats(cout, seed * 200 + i) };
          nodes.push({ name: `c${i}`, op, inputs: [x, `w${i}`, `b${i}`], outputs: [y], attrs: { kernel_shape: [k], pads: [k >> 1, k >> 1], strides: [stride], group } });
          if (next() < 0.6) quantization.set(`c${i}`, { spec: { bits: 2 + Math.floor(next() * 7), quantizer: 'uniform', threshold: next() < 0.5 ? 0.1 : -1 } });
          channels = cout;
          length = Math.floor((length - 1) / stride) + 1;
        } else if (op === 'Add' || op === 'Mul') {
          initializers[`k${i}`] = { shape: [channels, 1], data: randomFloats(channels, seed * 300 + i) };
          nodes.push({ op, inputs: [x, `k${i}`], outputs: [y] });
        } else if (op === 'MaxPool' || op === 'AveragePool') {
          if (length < 6) continue;
          nodes.push({ op, inputs: [x], outputs: [y], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } });
          length = Math.floor((length - 1) / 2) + 1;
        } else {
          nodes.push({ op, inputs: [x], outputs: [y] });
        }
        x = y;
      }
      nodes.push({ op: 'Identity', inputs: [x], outputs: ['y'] });
      const graph = graphOf({ inputs: [input], outputs: ['y'], initializers, nodes });
      const inputs = syntheticWindows([channels === 0 ? 1 : (input.shape[1] as number), input.shape[2] as number], undefined, 3, seed).x;
      expectVerified(await verifyHost(graph, `fuzz${seed}.onnx`, inputs, 3, { quantization, optimizations: ['-O2'] }));
    }, 60_000);
  }
});

describe('the depth-first schedule (--schedule stream): the same bits from rings of columns', () => {
  const chain = convChain(61, 7);
  const x = randomFloats(4 * 2 * 61, 11);

  it('runs every conv geometry of the chain depth first, float32 and packed, bit-exact', async () => {
    const layered = expectVerified(await verifyHost(chain, 'chain.onnx', x, 4, { optimizations: ['-O2'] }));
    const streamed = await verifyHost(chain, 'chain.onnx', x, 4, { schedule: 'stream', optimizations: ['-O0', '-O2'] });
    expectVerified(streamed);
    expect(streamed.generated.files.get('chain.c')).toMatch(/ecgc_stream_f32\(&chain__conv0_stream/);
    expect(streamed.generated.memory.arenaBytes).toBeLessThan(layered.generated.memory.arenaBytes);
    for (const [encoding, bits] of [['dense', 4], ['bitmap', 3], ['delta', 2]] as const) {
      const quantization = new Map<string, LayerQuantization>();
      CONV_GEOMETRIES.forEach((_, i) => quantization.set(`conv${i}`, { spec: { bits: bits + (i % 3), quantizer: i % 2 ? 'uniform' : 'uniform-layer', threshold: 0.02 }, encoding }));
      const result = await verifyHost(chain, 'chain.onnx', x, 4, { schedule: 'stream', quantization, optimizations: ['-O2'] });
      expectVerified(result, encoding);
      // in blocks of 3 output columns per decoding (the last block of each layer cut short; blocks that reach into the padding)
      const blocked = expectVerified(await verifyHost(chain, 'chain.onnx', x, 4, { schedule: 'stream', streamBlock: 3, quantization, optimizations: ['-O0', '-O2'] }), `${encoding}, blocks of 3`);
      expect(blocked.generated.files.get('chain.c')).toMatch(/\.block = 3/);
      expect(blocked.generated.memory.arenaBytes).toBeGreaterThan(result.generated.memory.arenaBytes);
    }
  }, 120_000);

  /** Conv (strided, padded) -> LeakyRelu -> depthwise Conv (dilated) -> Tanh -> pointwise Conv -> Clip -> the pool: one stream step. */
  const pooled = (pool: string) =>
    graphOf({
      inputs: [{ name: 'x', shape: ['N', 3, 50] }],
      outputs: ['y'],
      initializers: {
        w0: { shape: [8, 3, 5], data: randomFloats(120, 1, 0.5) }, b0: { shape: [8], data: randomFloats(8, 2) },
        w1: { shape: [8, 1, 3], data: randomFloats(24, 3, 0.5) },
        w2: { shape: [6, 8, 1], data: randomFloats(48, 4, 0.5) }, b2: { shape: [6], data: randomFloats(6, 5) },
        lo: { shape: [], data: [-0.5] }, hi: { shape: [], data: [0.75] },
      },
      nodes: [
        { name: 'c0', op: 'Conv', inputs: ['x', 'w0', 'b0'], outputs: ['a'], attrs: { kernel_shape: [5], strides: [2], pads: [2, 2] } },
        { op: 'LeakyRelu', inputs: ['a'], outputs: ['b'], attrs: { alpha: 0.1 } },
        { name: 'c1', op: 'Conv', inputs: ['b', 'w1'], outputs: ['c'], attrs: { kernel_shape: [3], pads: [2, 2], group: 8, dilations: [2] } },
        { op: 'Tanh', inputs: ['c'], outputs: ['d'] },
        { name: 'c2', op: 'Conv', inputs: ['d', 'w2', 'b2'], outputs: ['e'], attrs: { kernel_shape: [1] } },
        { op: 'Clip', inputs: ['e', 'lo', 'hi'], outputs: ['f'] },
        { op: pool, inputs: ['f'], outputs: ['y'] },
      ],
    });

  it('ends in a global pool (mean and max), with element-wise ops between the layers', async () => {
    for (const pool of ['GlobalAveragePool', 'GlobalMaxPool']) {
      const graph = pooled(pool);
      const inputs = randomFloats(3 * 3 * 50, 9);
      const result = await verifyHost(graph, 'pool.onnx', inputs, 3, { schedule: 'stream', optimizations: ['-O2'] });
      expectVerified(result, pool);
      // one step: the whole chain, pool included
      const run = /int pool_run_arena\([^]*?\n}/.exec(result.generated.files.get('pool.c')!)![0];
      expect(run.match(/ecgc_[a-z_0-9]+\(/g)).toEqual(['ecgc_stream_f32(']);
    }
  }, 120_000);

  it('takes the input a column at a time (begin, push, end) with the bits of _run, and counts the columns', async () => {
    // verifyHost's harness runs every window both ways and fails on any difference in bits
    const result = await verifyHost(pooled('GlobalAveragePool'), 'pool.onnx', randomFloats(2 * 3 * 50, 10), 2, { schedule: 'stream', optimizations: ['-O0', '-O2'] });
    expectVerified(result);
    expect(result.generated.pushApi).toBe(true);
    const header = result.generated.files.get('pool.h')!;
    expect(header).toMatch(/#define POOL_INPUT_CHANNELS 3 /);
    expect(header).toMatch(/#define POOL_INPUT_LENGTH 50 /);
    expect(header).toMatch(/int pool_push\(const float \*column\);/);
    // the check can fail: a push that takes the channels in the wrong order is caught
    const dir = mkdtempSync(join(tmpdir(), 'ecgc-push-'));
    try {
      for (const [file, content] of result.generated.files) writeFileSync(join(dir, file.replace(/^runtime\//, '')), content);
      const stream = readFileSync(join(dir, 'ecgc_stream.c'), 'utf8');
      const broken = stream.replace('st.handoff[0][c] = column[c];', 'st.handoff[0][c] = column[first->in_channels - 1 - c];');
      expect(broken).not.toBe(stream);
      writeFileSync(join(dir, 'ecgc_stream.c'), broken);
      writeFileSync(join(dir, 'harness.c'), harnessSource(result.generated));
      writeFileSync(join(dir, 'input.bin'), randomFloats(3 * 50, 11));
      const sources = [...result.generated.runtimeSources.map((f) => f.replace(/^runtime\//, '')), 'harness.c'];
      await buildHost({ dir, sources, output: 'model', optimization: '-O0' });
      await expect(runHarness('./model', ['input.bin', 'output.bin'], dir)).rejects.toThrow(/exit 7\): pool_begin\/_push\/_end differ from pool_run/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('offers no column-at-a-time API when the input is read by more than the chain', () => {
    // x feeds the chain and, after it, an Add: the window must be kept, so only _run
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 1, 20] }],
      outputs: ['y'],
      initializers: { w0: { shape: [1, 1, 3], data: [0.25, 0.5, 0.25] }, w1: { shape: [1, 1, 3], data: [1, -1, 0.5] } },
      nodes: [
        { name: 'c0', op: 'Conv', inputs: ['x', 'w0'], outputs: ['a'], attrs: { kernel_shape: [3], pads: [1, 1] } },
        { name: 'c1', op: 'Conv', inputs: ['a', 'w1'], outputs: ['b'], attrs: { kernel_shape: [3], pads: [1, 1] } },
        { op: 'Add', inputs: ['b', 'x'], outputs: ['y'] },
      ],
    });
    const generated = generate(graph, 'res.onnx', { target: 'host', schedule: 'stream' });
    expect(generated.files.get('res.c')).toMatch(/ecgc_stream_f32\(/);
    expect(generated.pushApi).toBe(false);
    expect(generated.files.get('res.h')).not.toMatch(/res_push/);
  });

  it('sizes the column-at-a-time API by the chain input when the graph input reaches it through a view', async () => {
    // x [N, 20] -> Unsqueeze -> [N, 1, 20] -> two Convs: a column is 1 value, the window 20 columns
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 20] }],
      outputs: ['y'],
      initializers: { axes: { shape: [1], data: [1], int64: true }, w0: { shape: [2, 1, 3], data: [0.25, 0.5, 0.25, 1, -1, 0.5] }, w1: { shape: [1, 2, 3], data: [0.5, -0.25, 1, 0.75, 0.125, -1] } },
      nodes: [
        { op: 'Unsqueeze', inputs: ['x', 'axes'], outputs: ['u'] },
        { name: 'c0', op: 'Conv', inputs: ['u', 'w0'], outputs: ['a'], attrs: { kernel_shape: [3], pads: [1, 1] } },
        { name: 'c1', op: 'Conv', inputs: ['a', 'w1'], outputs: ['y'], attrs: { kernel_shape: [3], pads: [1, 1] } },
      ],
    });
    const result = await verifyHost(graph, 'flat.onnx', randomFloats(2 * 20, 12), 2, { schedule: 'stream', optimizations: ['-O0'] });
    expectVerified(result);
    expect(result.generated.pushApi).toBe(true);
    expect(result.generated.files.get('flat.h')).toMatch(/#define FLAT_INPUT_CHANNELS 1 /);
    expect(result.generated.files.get('flat.h')).toMatch(/#define FLAT_INPUT_LENGTH 20 /);
  }, 60_000);

  it('reserves exactly the scratch ecgc_stream_f32_get_buffer_size asks for: rings of (k-1)*d columns, no ring for pointwise layers', async () => {
    const packed = new Map<string, LayerQuantization>([
      ['c0', { spec: { bits: 3, quantizer: 'uniform', threshold: 0.1 }, encoding: 'bitmap' }],
      ['c2', { spec: { bits: 4, quantizer: 'uniform', threshold: 0 }, encoding: 'dense' }],
    ]);
    const asked: number[] = [];
    for (const quantization of [undefined, packed]) {
      const generated = generate(pooled('GlobalAveragePool'), 'pool.onnx', { target: 'host', schedule: 'stream', quantization });
      const dir = mkdtempSync(join(tmpdir(), 'ecgc-scratch-'));
      try {
        for (const [file, content] of generated.files) writeFileSync(join(dir, file.replace(/^runtime\//, '')), content);
        writeFileSync(join(dir, 'size.c'), '#include <stdio.h>\n#include "pool.c"\nint main(void) { printf("%zu\\n", ecgc_stream_f32_get_buffer_size(&pool__c0_stream)); return 0; }\n');
        const sources = generated.runtimeSources.map((f) => f.replace(/^runtime\//, '')).filter((f) => f.endsWith('.c'));
        await execa('gcc', ['-std=c99', '-I.', '-o', 'size', 'size.c', ...sources.filter((f) => f !== 'pool.c'), '-lm'], { cwd: dir });
        asked.push(Number((await execa('./size', [], { cwd: dir })).stdout));
        // the planner reserves whole 8-byte units
        expect(generated.memory.scratchBytes).toBe(Math.ceil(asked[asked.length - 1] / 8) * 8);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // float32: the layout (28 bytes); 3 states of 24; hand-offs of 8 floats; a window of 15 taps (c0: 3 x 5) and 5 tap columns; rings (5-1) x 3 + (3-1) x 2 x 8, none for c2
    expect(asked[0]).toBe(28 + 3 * 24 + 4 * (2 * 8 + 15 + 5 + 4 * 3 + 4 * 8));
    // packed: a decoded row of 15 weights (c0) and 15 sparse positions (c0, bitmap) more
    expect(asked[1]).toBe(asked[0] + 4 * (15 + 15));
  });

  it('leaves graphs without a chain of two convs as they are', () => {
    const { graph } = loadFixture('transformer_opset17');
    const layers = generate(graph, 't.onnx', { target: 'host' });
    const stream = generate(graph, 't.onnx', { target: 'host', schedule: 'stream' });
    expect(stream.files.get('t.c')).toBe(layers.files.get('t.c'));
  });
});

describe('bfloat16 scales', () => {
  it('are read as the top half of a float32: bit-exact for sign, uniform and uniform-layer, every encoding, both schedules', async () => {
    const bf16 = (bits: number, quantizer: 'sign' | 'uniform' | 'uniform-layer', encoding: 'dense' | 'bitmap' | 'delta'): LayerQuantization => ({ spec: { bits, quantizer, threshold: 0.05, scaleFormat: 'bfloat16' }, encoding });
    const quantization = new Map<string, LayerQuantization>([
      ['conv0', bf16(1, 'sign', 'bitmap')],
      ['conv1', bf16(3, 'uniform', 'dense')],
      ['conv2', bf16(4, 'uniform-layer', 'delta')],
      ['conv3', bf16(6, 'uniform', 'bitmap')],
    ]);
    const graph = convChain(40, 3, { cases: CONV_GEOMETRIES.slice(0, 4) });
    for (const schedule of ['layers', 'stream'] as const) {
      const result = await verifyHost(graph, 'chain.onnx', randomFloats(3 * 2 * 40, 12), 3, { quantization, schedule, optimizations: ['-O0', '-O2'] });
      expectVerified(result, schedule);
      const weights = result.generated.files.get('chain_weights.c')!;
      expect(weights).toMatch(/const uint16_t chain__conv1__scales\[/);
      expect(weights).not.toMatch(/const float chain__conv\d__scales/);
    }
  }, 120_000);
});

describe('memory safety of the generated code', () => {
  const quantization = new Map<string, LayerQuantization>([
    ['conv0', { spec: { bits: 1, quantizer: 'sign', threshold: 0.02 }, encoding: 'delta' }],
    ['conv1', { spec: { bits: 3, quantizer: 'uniform', threshold: 0.02 }, encoding: 'bitmap' }],
    ['conv2', { spec: { bits: 4, quantizer: 'uniform', threshold: 0.02 }, encoding: 'dense' }],
    ['fc', { spec: { bits: 5, quantizer: 'uniform', threshold: 0.02 }, encoding: 'delta' }],
  ]);
  const chain = () => convChain(40, 3, { cases: CONV_GEOMETRIES.slice(0, 4) });

  it('runs clean under AddressSanitizer and UndefinedBehaviorSanitizer', async () => {
    const sanitize = ['-g', '-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all'];
    for (const [graph, name, x, count, q] of [
      [chain(), 'chain.onnx', randomFloats(3 * 2 * 40, 5), 3, quantization],
      [loadFixture('transformer_opset17').graph, 'transformer.onnx', loadFixture('transformer_opset17').input.data, 3, undefined],
    ] as const) {
      for (const [schedule, streamBlock] of [['layers', 1], ['stream', 1], ['stream', 3]] as const) {
        const result = await verifyHost(graph, name, x, count, { quantization: q, schedule, streamBlock, optimizations: ['-O1'], extraFlags: sanitize, env: { ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' } });
        expectVerified(result, `${schedule} ${streamBlock}`);
      }
    }
  }, 180_000);

  it('runs clean under valgrind', async () => {
    const { graph, input } = loadFixture('mobilenet1d');
    const result = await verifyHost(graph, 'mobilenet1d.onnx', input.data, 3, { optimizations: ['-O2'], valgrind: true });
    expectVerified(result);
    const quantized = await verifyHost(chain(), 'chain.onnx', randomFloats(2 * 2 * 40, 6), 2, { quantization, optimizations: ['-O2'], valgrind: true });
    expectVerified(quantized);
    for (const streamBlock of [1, 3]) {
      const streamed = await verifyHost(chain(), 'chain.onnx', randomFloats(2 * 2 * 40, 6), 2, { quantization, schedule: 'stream', streamBlock, optimizations: ['-O2'], valgrind: true });
      expectVerified(streamed, `stream ${streamBlock}`);
    }
  }, 180_000);
});
