/**
 * Layers and their row view, importance, the codebook, and plan.json: apply round trip
 * (bit for bit against quantizeLayer), read/write round trip, predicted bytes against the
 * packed bytes, and plans refused (other model, future schema, bad fields).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LayerChoice, LayerWeights, planLayer } from '../../src/compress/choice.js';
import { FLOAT_BITS } from '../../src/plan/quantize.js';
import { codebookLevels } from '../../src/compress/codebook.js';
import { layerImportance } from '../../src/compress/importance.js';
import { findWeightLayers, readRows, rowsToStorage, writeRows } from '../../src/plan/layers.js';
import { type Plan, PLAN_SCHEMA, applyPlan, modelIdentity, readPlan, sizeTotals, writePlan } from '../../src/plan/plan.js';
import { quantizeLayer } from '../../src/plan/quantize.js';
import { quantizationFromPlan } from '../../src/codegen/plan.js';
import type { Graph } from '../../src/ir/graph.js';
import { encodeWeights } from '../../src/pack/encode.js';
import { readFileOrFail } from '../../src/util/files.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { BEATNET, loadBeatnet } from '../helpers/compress.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';
import { randomFloats } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('weight-bearing layers', () => {
  it('finds Conv, Gemm (transB = 1) and MatMul with a constant operand, rows = output channels', () => {
    const { graph } = loadFixture('linear_matmul_softmax_static');
    const layers = findWeightLayers(graph);
    expect(layers.map((l) => [l.op, l.rows, l.rowLength, l.transposed, l.biasCount])).toEqual([
      ['Conv', 4, 9, false, 4],
      ['Gemm', 16, 80, false, 16],
      ['MatMul', 8, 16, true, 0],
      ['MatMul', 5, 8, true, 0],
    ]);
    // MatMul's B is [K, N]: row r of the view is column r of B.
    const matmul = layers[2];
    const b = graph.constants.get(matmul.weight)!.data;
    const rows = readRows(graph, matmul);
    for (let r = 0; r < 8; r++) for (let k = 0; k < 16; k++) expect(rows[r * 16 + k]).toBe(b[k * 8 + r]);
    expect(Array.from(rowsToStorage(matmul, rows).get(matmul.weight)!)).toEqual(Array.from(b));
  });

  it('writes row-major values back in the graph layout', () => {
    const { graph } = loadFixture('linear_matmul_softmax_static');
    for (const layer of findWeightLayers(graph)) {
      const values = randomFloats(layer.rows * layer.rowLength, 3);
      writeRows(graph, layer, values);
      expect(Array.from(readRows(graph, layer))).toEqual(Array.from(values));
    }
  });
});

describe('importance', () => {
  it('rho shares the weights, delta is 1 for the most variable layer and ignores the overall scale', () => {
    const graph = loadBeatnet();
    const layers = findWeightLayers(graph);
    const importance = layerImportance(graph, layers, 0.5, 0.5);
    expect(importance.reduce((s, m) => s + m.rho, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...importance.map((m) => m.delta))).toBe(1);
    for (const m of importance) expect(m.importance).toBeCloseTo(0.5 * m.rho + 0.5 * m.delta, 12);
    const variances = importance.map((m) => m.variance);
    const most = variances.indexOf(Math.max(...variances));
    expect(importance[most].delta).toBe(1);
    // Every weight times 3: the same delta (v / v_min is scale-free).
    for (const l of layers) writeRows(graph, l, readRows(graph, l).map((w) => 3 * w));
    const scaled = layerImportance(graph, layers, 0.5, 0.5);
    scaled.forEach((m, i) => expect(m.delta).toBeCloseTo(importance[i].delta, 6)); // float32 rounding of 3w
    expect(layerImportance(graph, layers, 1, 0).map((m) => m.importance)).toEqual(importance.map((m) => m.rho));
  });
});

describe('codebook levels', () => {
  it('are 2^b float32 values, level 0 exactly 0, and fit the weights better with more bits', () => {
    const weights = randomFloats(2000, 8, 0.3);
    let previous = Infinity;
    for (const bits of [2, 3, 4, 6]) {
      const levels = codebookLevels(weights, bits, -1);
      expect(levels).toHaveLength(2 ** bits);
      expect(levels[0]).toBe(0);
      for (const v of levels) expect(Math.fround(v)).toBe(v);
      const q = quantizeLayer(weights, 1, { bits, quantizer: 'codebook', threshold: -1, levels });
      const error = weights.reduce((s, w, i) => s + (w - q.dequantized[i]) ** 2, 0);
      expect(error).toBeLessThan(previous);
      previous = error;
    }
  });
});

/** A plan for beatnet with a mix of choices: every quantizer, pruning and a float32 layer. */
function mixedPlan(graph: Graph): Plan {
  const layers = findWeightLayers(graph);
  const importance = layerImportance(graph, layers);
  const choices: LayerChoice[] = [
    { bits: 8, family: 'uniform', prune: 0 },
    { bits: 1, family: 'uniform', prune: 0.2 },
    { bits: 4, family: 'codebook', prune: 0.3 },
    { bits: 3, family: 'uniform-layer', prune: 0 },
    { bits: FLOAT_BITS, family: 'uniform', prune: 0.4 },
    { bits: 2, family: 'uniform', prune: 0.5 },
    { bits: 5, family: 'codebook', prune: 0 },
    { bits: 6, family: 'uniform', prune: 0.1 },
  ];
  expect(choices).toHaveLength(layers.length);
  const planLayers = layers.map((l, i) => planLayer(l, importance[i], new LayerWeights(l, readRows(graph, l)).realize(choices[i])));
  const f = { windows: 1, accuracy: 1, macroPrecision: 1, macroRecall: 1, macroF1: 1, agreement: 1, snrDb: null };
  return {
    schema: PLAN_SCHEMA,
    tool: { name: 'ecgc', version: 'test' },
    model: modelIdentity(graph, BEATNET, readFileOrFail(BEATNET)),
    method: { name: 'test', metric: 'accuracy', labelFree: false, maxDrop: 0.5, minSnrDb: null, flash: null, ram: null, alpha: 0.5, beta: 0.5, gamma: null, laqRule: null, quantizer: 'uniform', data: null, test: null },
    layers: planLayers,
    totals: sizeTotals(graph, planLayers),
    figures: { metric: 'accuracy', labelFree: false, data: { dir: null, windows: 1, baseline: f, final: f }, test: null },
    search: { candidates: 0, evaluations: 0, seconds: 0, tolerance: 0.5 },
  };
}

describe('plan.json', () => {
  const graph = loadBeatnet();
  const plan = mixedPlan(graph);
  const file = join(dir, 'plan.json');
  writePlan(file, plan);

  it('round-trips through the file, float32 scales and levels bit for bit', () => {
    const read = readPlan(file, graph, readFileOrFail(BEATNET));
    expect(read).toEqual(plan);
    read.layers.forEach((l, i) => {
      l.scales.forEach((s, k) => expect(Object.is(s, plan.layers[i].scales[k])).toBe(true));
      l.levels.forEach((v, k) => expect(Object.is(v, plan.layers[i].levels[k])).toBe(true));
    });
    expect(plan.layers.some((l) => l.levels.length === 16)).toBe(true);
    expect(plan.layers.some((l) => l.scales.length > 1)).toBe(true);
  });

  it("applies exactly quantizeLayer's dequantized weights, leaving the original graph untouched", () => {
    const original = findWeightLayers(graph).map((l) => readRows(graph, l));
    const applied = applyPlan(graph, readPlan(file, graph));
    findWeightLayers(graph).forEach((layer, i) => {
      const entry = plan.layers[i];
      const rows = readRows(applied, layer);
      const expected =
        entry.quantizer === 'float32'
          ? original[i].map((w) => (Math.abs(w) <= entry.threshold ? 0 : w))
          : quantizeLayer(original[i], layer.rows, { bits: entry.bits, quantizer: entry.quantizer, threshold: entry.threshold, levels: entry.quantizer === 'codebook' ? entry.levels : undefined }).dequantized;
      expectBitExact(rows, expected, `${layer.node}: applied`);
      expectBitExact(readRows(graph, layer), original[i], `${layer.node}: the model's own`);
      const n = layer.rows * layer.rowLength;
      expect(entry.sparsity).toBeGreaterThanOrEqual(Math.floor(entry.prune * n) / n); // floor(p n) smallest |w| pruned
    });
  });

  it('predicts exactly the bytes the packed encoding, scales, levels and biases take', () => {
    const layers = findWeightLayers(graph);
    plan.layers.forEach((entry, i) => {
      const layer = layers[i];
      if (entry.quantizer === 'float32') {
        // dense float32, or (pruned) the sparse indices and 4 bytes a nonzero weight
        const pruned = readRows(graph, layer).map((w) => (Math.abs(w) <= entry.threshold ? 0 : w));
        const nonzeros = pruned.filter((w) => w !== 0).length;
        if (entry.encoding === 'float32') {
          expect(entry.bytes.total).toBe(4 * (layer.rows * layer.rowLength + layer.biasCount));
        } else {
          const mask = pruned.map((w) => (w === 0 ? 0 : 1));
          expect(entry.bytes.index).toBe(encodeWeights(mask, mask, layer.rows, 1, false, entry.encoding as 'bitmap' | 'delta').indexBytes.length);
          expect(entry.bytes.total).toBe(entry.bytes.index + 4 * nonzeros + 4 * layer.biasCount);
          expect(entry.bytes.total).toBeLessThan(4 * (layer.rows * layer.rowLength + layer.biasCount));
        }
        return;
      }
      const q = quantizeLayer(readRows(graph, layer), layer.rows, { bits: entry.bits, quantizer: entry.quantizer, threshold: entry.threshold, levels: entry.quantizer === 'codebook' ? entry.levels : undefined });
      const encoded = encodeWeights(q.codes, q.fields, layer.rows, entry.bits, q.signed, entry.encoding as 'dense' | 'bitmap' | 'delta');
      expect(entry.bytes.index).toBe(encoded.indexBytes.length);
      expect(entry.bytes.codes).toBe(encoded.codeBytes.length);
      expect(entry.bytes.total).toBe(encoded.indexBytes.length + encoded.codeBytes.length + 4 * q.scales.length + 4 * q.levels.length + 4 * layer.biasCount);
    });
    expect(plan.totals.layers.bytes).toBe(plan.layers.reduce((s, l) => s + l.bytes.total, 0));
    expect(plan.totals.layers.compressionRatio).toBeCloseTo(plan.totals.layers.float32Bytes / plan.totals.layers.bytes, 12);
  });

  const refused = (name: string, edit: (p: Plan) => void, message: RegExp, bytes?: Uint8Array) => {
    it(`refuses ${name}`, () => {
      const edited = structuredClone(plan);
      edit(edited);
      const bad = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(bad, JSON.stringify(edited));
      expect(() => readPlan(bad, graph, bytes)).toThrow(message);
    });
  };
  refused('a future schema version', (p) => ((p as { schema: string }).schema = 'ecgc.plan/2'), /ecgc\.plan\/2.*newer ecgc/);
  refused('a file that is not a plan', (p) => ((p as { schema: string }).schema = 'something'), /not an ecgc plan/);
  refused('bits outside 1..8', (p) => (p.layers[0].bits = 9), /bits 9 is outside 1\.\.8/);
  refused('sparsity 1', (p) => (p.layers[1].sparsity = 1), /sparsity 1 is outside \[0, 1\)/);
  refused('a negative pruning fraction', (p) => (p.layers[1].prune = -0.1), /prune -0.1 is outside/);
  refused('scales that are not float32', (p) => (p.layers[0].scales[0] = 0.1), /float32/);
  refused('an unknown scale format', (p) => ((p.layers[0] as { scaleFormat: string }).scaleFormat = 'float16'), /unknown scale format 'float16'/);
  refused('a codebook with the wrong number of levels', (p) => p.layers[2].levels.pop(), /needs 16 levels/);
  refused('a plan for a model with other layers', (p) => (p.model.layers[0].shape = [9, 9, 9]), /plan for another model.*layer 0/);
  refused('a plan for other model bytes', () => undefined, /plan for another model.*sha256/, new Uint8Array([1, 2, 3]));

  it('records bfloat16 scales, applies them, counts 2 bytes a scale, and reads older plans as float32', () => {
    const layers = findWeightLayers(graph);
    const importance = layerImportance(graph, layers, 0.5, 0.5);
    const choice = { bits: 4, family: 'uniform' as const, prune: 0.2 };
    const entries = layers.map((l, i) => planLayer(l, importance[i], new LayerWeights(l, readRows(graph, l), 'bfloat16').realize(choice)));
    const floats = layers.map((l, i) => planLayer(l, importance[i], new LayerWeights(l, readRows(graph, l)).realize(choice)));
    entries.forEach((entry, i) => {
      expect(entry.scaleFormat).toBe('bfloat16');
      expect(entry.bytes.scales).toBe(2 * entry.scales.length);
      expect(floats[i].bytes.total - entry.bytes.total).toBe(2 * entry.scales.length);
      entry.scales.forEach((s) => expect(new Uint32Array(Float32Array.of(s).buffer)[0] & 0xffff).toBe(0));
    });
    const bf16File = join(dir, 'plan-bf16.json');
    writePlan(bf16File, { ...plan, layers: entries, totals: sizeTotals(graph, entries) });
    const applied = applyPlan(graph, readPlan(bf16File, graph));
    layers.forEach((layer, i) => {
      const expected = quantizeLayer(readRows(graph, layer), layer.rows, { bits: 4, quantizer: 'uniform', threshold: entries[i].threshold, scaleFormat: 'bfloat16' }).dequantized;
      expectBitExact(readRows(applied, layer), expected, layer.node);
    });
    // a plan written before scale formats existed has none: float32
    const older = join(dir, 'plan-older.json');
    writePlan(older, { ...plan, layers: plan.layers.map(({ scaleFormat: _, ...rest }) => rest) });
    expect(() => applyPlan(graph, readPlan(older, graph))).not.toThrow();
    const quantized = plan.layers.find((l) => l.quantizer !== 'float32')!;
    expect(quantizationFromPlan(readPlan(older, graph)).get(quantized.node)).toMatchObject({ spec: { scaleFormat: 'float32' } });
  });

  it('refuses to apply scales that do not match the weights', () => {
    const edited = structuredClone(plan);
    edited.layers[0].scales[0] = Math.fround(edited.layers[0].scales[0] * 2);
    const bad = join(dir, 'edited-scales.json');
    writeFileSync(bad, JSON.stringify(edited));
    expect(() => applyPlan(graph, readPlan(bad, graph))).toThrow(/scales do not match/);
  });

  it('refuses a plan from another fixture through readPlan', () => {
    const other = loadFixture('mobilenet1d').graph;
    expect(() => readPlan(file, other, readFileOrFail(fixturePath('mobilenet1d', 'model.onnx')))).toThrow(/plan for another model/);
  });
});
