/**
 * End-to-end tests of the built command line (`node dist/cli/main.js`): inspect (text and
 * --json), run against the torch outputs of the fixtures, single-sample input, bit-exact
 * results across thread counts, --version and --help.
 *
 * Build first: `npx tsc -p .` (the tests execute dist/, not the sources).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readNpyFloat32 } from '../../src/util/npy.js';
import { ROOT, ecgc } from '../helpers/cli.js';
import { manifest } from '../helpers/fixtures.js';

const { onnx } = onnxProto;

const fixture = (name: string, file: string) => join('test', 'fixtures', name, file);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecgc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** int64 fields come back from protobufjs as Long objects or numbers. */
const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : (v as { toNumber(): number }).toNumber());
const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Parameters and MACs of a Conv/ReLU/GlobalAveragePool/Flatten/Gemm chain, computed from the
 * ONNX file alone (initializer dims, node attributes, the graph input's declared shape), so
 * independently of ecgc's importer, passes and summary.
 */
function independentCounts(file: string) {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const graph = model.graph!;
  const inits = new Map(graph.initializer!.map((t) => [t.name!, t.dims!.map(num)]));
  const shapes = new Map<string, number[]>(); // per-sample shapes without the batch dimension
  const input = graph.input!.find((i) => !inits.has(i.name!))!;
  shapes.set(input.name!, input.type!.tensorType!.shape!.dim!.slice(1).map((d) => num(d.dimValue)));

  const nodeMacs = new Map<string, number>();
  const nodeParams = new Map<string, number>();
  let params = 0;
  let macs = 0;
  for (const node of graph.node!) {
    const attr = (name: string) => node.attribute!.find((a) => a.name === name);
    const ints = (name: string, fallback: number[]) => {
      const a = attr(name);
      return a && a.ints!.length > 0 ? a.ints!.map(num) : fallback;
    };
    const x = shapes.get(node.input![0])!;
    expect(x, `shape of ${node.input![0]}`).toBeDefined();
    let out: number[];
    let nodeMac = 0;
    let nodeParam = 0;
    switch (node.opType) {
      case 'Conv': {
        const w = inits.get(node.input![1])!;
        const b = node.input![2] ? inits.get(node.input![2])! : undefined;
        const [cout, cinPerGroup, k] = w;
        const group = num(attr('group')?.i ?? 1);
        const [stride] = ints('strides', [1]);
        const [dilation] = ints('dilations', [1]);
        const [padBegin, padEnd] = ints('pads', [0, 0]);
        const [cin, t] = x;
        expect(cinPerGroup * group).toBe(cin);
        const tout = Math.floor((t + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
        out = [cout, tout];
        nodeMac = cout * tout * (cin / group) * k;
        nodeParam = product(w) + (b ? product(b) : 0);
        break;
      }
      case 'Gemm': {
        const w = inits.get(node.input![1])!;
        const b = node.input![2] ? inits.get(node.input![2])! : undefined;
        const transB = num(attr('transB')?.i ?? 0);
        const [inFeatures, outFeatures] = transB ? [w[1], w[0]] : [w[0], w[1]];
        expect(x).toEqual([inFeatures]);
        out = [outFeatures];
        nodeMac = inFeatures * outFeatures;
        nodeParam = product(w) + (b ? product(b) : 0);
        break;
      }
      case 'Relu':
        out = x;
        break;
      case 'GlobalAveragePool':
        out = [x[0], 1];
        break;
      case 'Flatten':
        out = [product(x)];
        break;
      default:
        throw new Error(`independentCounts: op ${node.opType} not handled`);
    }
    shapes.set(node.output![0], out);
    nodeMacs.set(node.name!, nodeMac);
    nodeParams.set(node.name!, nodeParam);
    macs += nodeMac;
    params += nodeParam;
  }
  return { model, params, macs, nodeMacs, nodeParams, initializerTotal: [...inits.values()].reduce((s, d) => s + product(d), 0) };
}

describe('ecgc inspect', () => {
  it('prints every node, its op, and totals that match an independent count (mobilenet1d)', async () => {
    const file = fixture('mobilenet1d', 'model.onnx');
    const expected = independentCounts(join(ROOT, file));
    const nodes = expected.model.graph!.node!;
    // BatchNorm was folded into the convolutions on export: no BN node, every Conv has a bias,
    // and every initializer is a Conv/Gemm weight or bias.
    expect(nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    expect(nodes.filter((n) => n.opType === 'Conv').every((n) => n.input!.length === 3 && n.input![2] !== '')).toBe(true);
    expect(expected.params).toBe(expected.initializerTotal);
    expect(expected.params).toBe(1613);

    const r = await ecgc(['inspect', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toContain(file);
    expect(lines[0]).toContain('opset 17');

    // Table rows: index, node name, op, ... (columns separated by two or more spaces).
    const rows = lines.filter((l) => /^\s*\d+\s{2,}/.test(l)).map((l) => l.trim().split(/\s{2,}/));
    expect(rows.map((r) => [r[1], r[2]])).toEqual(nodes.map((n) => [n.name, n.opType]));
    for (const row of rows) {
      const name = row[1];
      expect(Number(row[5].replace(/,/g, '')), `params of ${name}`).toBe(expected.nodeParams.get(name));
      expect(Number(row[6].replace(/,/g, '')), `MACs of ${name}`).toBe(expected.nodeMacs.get(name));
    }

    const total = lines.find((l) => l.startsWith('total:'));
    expect(total, r.stdout).toBeDefined();
    const m = /^total: (\d+) nodes, ([\d,]+) parameters \(([\d.]+ KB) as float32\), ([\d,]+) MACs per run$/.exec(total!);
    expect(m, total).not.toBeNull();
    expect(Number(m![1])).toBe(nodes.length);
    expect(Number(m![2].replace(/,/g, ''))).toBe(expected.params);
    expect(m![3]).toBe(`${((expected.params * 4) / 1024).toFixed(2)} KB`);
    expect(Number(m![4].replace(/,/g, ''))).toBe(expected.macs);
  });

  it('--json matches the independent count for mobilenet1d', async () => {
    const file = fixture('mobilenet1d', 'model.onnx');
    const expected = independentCounts(join(ROOT, file));
    const r = await ecgc(['inspect', file, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.totals.params).toBe(expected.params);
    expect(s.totals.macs).toBe(expected.macs);
    for (const n of s.nodes) {
      expect(n.macs, n.name).toBe(expected.nodeMacs.get(n.name));
      expect(n.params, n.name).toBe(expected.nodeParams.get(n.name));
    }
  });

  it.each(manifest.map((e) => [e.name, e] as const))('--json on %s follows schema ecgc.inspect/1', async (name, entry) => {
    const file = fixture(name, 'model.onnx');
    const r = await ecgc(['inspect', file, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.schema).toBe('ecgc.inspect/1');
    expect(s.opset).toBe(entry.opset);
    expect(s.inputs).toHaveLength(1);
    expect(s.inputs[0].shape).toEqual([entry.export_batch ?? 1, ...entry.input_shape.slice(1)]);
    expect(s.outputs).toHaveLength(1);
    if (!entry.known_issue) expect(s.outputs[0].shape).toEqual([entry.export_batch ?? 1, ...entry.output_shape.slice(1)]);

    const isShape = (v: unknown) => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);
    expect(Array.isArray(s.nodes)).toBe(true);
    expect(s.nodes.length).toBeGreaterThan(0);
    for (const n of s.nodes) {
      expect(typeof n.name).toBe('string');
      expect(n.name).not.toBe('');
      expect(typeof n.op).toBe('string');
      expect(n.op).not.toBe('');
      expect(Array.isArray(n.inputShapes) && n.inputShapes.every(isShape), `inputShapes of ${n.name}`).toBe(true);
      expect(Array.isArray(n.outputShapes) && n.outputShapes.length > 0 && n.outputShapes.every(isShape), `outputShapes of ${n.name}`).toBe(true);
      expect(Number.isInteger(n.params) && n.params >= 0, `params of ${n.name}`).toBe(true);
      expect(Number.isInteger(n.macs) && n.macs >= 0, `macs of ${n.name}`).toBe(true);
    }
    expect(s.totals.nodes).toBe(s.nodes.length);
    expect(s.totals.macs).toBe(s.nodes.reduce((sum: number, n: { macs: number }) => sum + n.macs, 0));
    expect(Number.isInteger(s.totals.params)).toBe(true);
    expect(s.totals.weightBytesFloat32).toBe(4 * s.totals.params);
    // The last node produces the model's output.
    expect(s.nodes.at(-1).outputShapes[0]).toEqual(s.outputs[0].shape);
  });
});

/** max |a - b| and max |b| over all elements. */
function maxErrors(actual: Float32Array, expected: Float32Array) {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return { err, scale };
}

describe('ecgc run', () => {
  it.each(['mobilenet1d', 'resnet1d', 'transformer_opset17', 'linear_matmul_softmax_static', 'shape_view_static'])(
    'runs %s on the fixture batch and matches torch',
    async (name) => {
      const out = join(dir, 'y.npy');
      const r = await ecgc(['run', fixture(name, 'model.onnx'), '--input', fixture(name, 'input.npy'), '--output', out]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('ran 3 windows');
      const y = parseNpy(readFileSync(out), out);
      expect(y.dtype).toBe('<f4');
      const expected = readNpyFloat32(join(ROOT, fixture(name, 'output.npy')));
      expect(expected.shape[0]).toBe(3);
      expect(y.shape).toEqual(expected.shape);
      expect(y.data.length).toBe(expected.data.length);
      const { err, scale } = maxErrors(y.data as Float32Array, expected.data);
      expect(scale).toBeGreaterThan(0);
      expect(err, `max abs error ${err} vs max |torch| ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
    },
  );

  it('accepts a single sample [C, T] and writes [1, ...]', async () => {
    const x = readNpyFloat32(join(ROOT, fixture('mobilenet1d', 'input.npy')));
    const [, c, t] = x.shape;
    const input = join(dir, 'x.npy');
    writeFileSync(input, encodeNpy([c, t], x.data.slice(0, c * t)));
    const out = join(dir, 'y.npy');
    const r = await ecgc(['run', fixture('mobilenet1d', 'model.onnx'), '--input', input, '--output', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('ran 1 window ');
    const y = readNpyFloat32(out);
    const expected = readNpyFloat32(join(ROOT, fixture('mobilenet1d', 'output.npy')));
    const classes = expected.shape[1];
    expect(y.shape).toEqual([1, classes]);
    const { err, scale } = maxErrors(y.data, expected.data.slice(0, classes));
    expect(err).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('gives byte-identical outputs with --threads 1 and --threads 2 on a batch of 64', async () => {
    const name = 'mobilenet1d';
    const x = readNpyFloat32(join(ROOT, fixture(name, 'input.npy')));
    const [n, ...sample] = x.shape;
    const size = x.data.length / n;
    const count = 64;
    const tiled = new Float32Array(count * size);
    for (let i = 0; i < count; i++) tiled.set(x.data.subarray((i % n) * size, (i % n + 1) * size), i * size);
    // Perturb each copy slightly so the 64 samples are not just 3 distinct ones.
    for (let i = 0; i < tiled.length; i++) tiled[i] += Math.fround(((i * 7919) % 101) * 1e-4);
    const input = join(dir, 'x.npy');
    writeFileSync(input, encodeNpy([count, ...sample], tiled));

    const one = join(dir, 'y1.npy');
    const two = join(dir, 'y2.npy');
    const r1 = await ecgc(['run', fixture(name, 'model.onnx'), '--input', input, '--output', one, '--threads', '1']);
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(r1.stderr).toContain('1 thread)');
    const r2 = await ecgc(['run', fixture(name, 'model.onnx'), '--input', input, '--output', two, '--threads', '2']);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stderr).toContain('2 threads');

    const bytes1 = readFileSync(one);
    const bytes2 = readFileSync(two);
    const y = parseNpy(bytes1, one);
    expect(y.dtype).toBe('<f4');
    expect(y.shape).toEqual([count, 5]);
    expect(Buffer.compare(bytes1, bytes2)).toBe(0);
    // Not all samples alike (the test would pass trivially on a constant output).
    const data = y.data as Float32Array;
    expect(Array.from(data.subarray(5 * 63, 5 * 64))).not.toEqual(Array.from(data.subarray(0, 5)));
  });
});

describe('ecgc --version / --help', () => {
  it('--version prints the package.json version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await ecgc(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--help lists inspect and run', async () => {
    const r = await ecgc(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\s+inspect\b/m);
    expect(r.stdout).toMatch(/^\s+run\b/m);
  });
});
