/**
 * Error-compensating rounding: the input statistics H (src/compress/hessian.ts) against the
 * reference interpreter's own layer outputs, and GPTQ's codes (src/compress/gptq.ts) against
 * rounding to nearest, on the compression fixture (beatnet, synthetic beats).
 */
import { describe, expect, it } from 'vitest';
import { LayerWeights } from '../../src/compress/choice.js';
import { FLOAT_BITS } from '../../src/plan/quantize.js';
import { Compensation } from '../../src/compress/gptq.js';
import { type LayerHessian, layerHessians } from '../../src/compress/hessian.js';
import { type WeightLayer, findWeightLayers, readRows, writeRows } from '../../src/plan/layers.js';
import { quantizeLayer } from '../../src/plan/quantize.js';
import { SearchSpace } from '../../src/compress/search-space.js';
import type { Graph } from '../../src/ir/graph.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import { beatnetDataset, loadBeatnet } from '../helpers/compress.js';

const graph = loadBeatnet();
const layers = findWeightLayers(graph);
const data = beatnetDataset(40, 7);
const hessians = layerHessians(graph, layers, data.x, 40);

/** sum over rows of d_r^T H d_r: the squared output error of weights moved by d (row-major). */
function outputError(h: LayerHessian, d: Float64Array | Float32Array, rows: number): number {
  const { n, rowsPerGroup } = h;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const m = h.h[Math.floor(r / rowsPerGroup)];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) total += d[r * n + i] * m[i * n + j] * d[r * n + j];
  }
  return total;
}

/** The layer's own output (bias 0, before any activation) for weights `rows`, squared and summed over every window. */
function squaredOutput(layer: WeightLayer, rows: Float32Array): number {
  const copy: Graph = { ...graph, constants: new Map(graph.constants), outputs: [graph.nodes[layer.nodeIndex].outputs[0]] };
  for (const name of [layer.weight, layer.bias].filter((n): n is string => n !== undefined)) {
    const t = graph.constants.get(name)!;
    copy.constants.set(name, { ...t, data: new Float32Array(t.data.length) });
  }
  writeRows(copy, layer, rows);
  const compiled = compileGraph(copy);
  const size = compiled.inputSizes[0];
  let total = 0;
  for (let s = 0; s < 40; s++) for (const v of compiled.run([data.x.subarray(s * size, (s + 1) * size)])[0]) total += v * v;
  return total;
}

describe('input statistics H', () => {
  it('exist for every layer of a conv1d / Gemm model', () => {
    expect(hessians.every((h) => h !== null)).toBe(true);
    expect(layers.some((l) => l.op === 'Gemm')).toBe(true);
  });

  it("give each layer's output energy: d^T H d is the sum of squares of the layer's output with weights d", () => {
    layers.forEach((layer, i) => {
      const d = Float32Array.from({ length: layer.rows * layer.rowLength }, (_, k) => Math.fround(Math.sin(k * 1.7 + i)));
      const expected = squaredOutput(layer, d);
      expect(expected).toBeGreaterThan(0);
      // float32 outputs against float64 statistics: relative tolerance 1e-4
      expect(Math.abs(outputError(hessians[i]!, d, layer.rows) - expected) / expected, layer.node).toBeLessThan(1e-4);
    });
  });
});

describe('GPTQ rounding', () => {
  const specs = [
    { bits: 2, quantizer: 'uniform' as const },
    { bits: 3, quantizer: 'uniform' as const },
    { bits: 3, quantizer: 'uniform-layer' as const },
    { bits: 1, quantizer: 'sign' as const },
  ];

  it('moves the layer outputs less than rounding to nearest, with the same scales and pruned weights', () => {
    const totals = new Map<string, { gptq: number; nearest: number; compensated: number }>();
    layers.forEach((layer, i) => {
      const rows = readRows(graph, layer);
      const compensation = new Compensation(hessians[i]!);
      const weights = new LayerWeights(layer, rows);
      for (const prune of [0, 0.5]) {
        for (const s of specs) {
          const spec = { ...s, threshold: weights.threshold(prune), scaleFormat: 'bfloat16' as const };
          const nearest = quantizeLayer(rows, layer.rows, spec);
          const codes = compensation.codes(rows, layer.rows, spec);
          const gptq = quantizeLayer(rows, layer.rows, { ...spec, codes });
          expect(gptq.codesGiven).toBe(true);
          expect(Array.from(gptq.scales)).toEqual(Array.from(nearest.scales));
          // the compensation's own codes (quantizeLayer would refuse a nonzero pruned one)
          rows.forEach((w, k) => {
            if (Math.abs(w) <= spec.threshold) expect(codes[k]).toBe(0);
          });
          const error = (q: Float32Array) => outputError(hessians[i]!, rows.map((w, k) => w - q[k]), layer.rows);
          const [e, e0] = [error(gptq.dequantized), error(nearest.dequantized)];
          // the compensation alone, before codes() keeps a row's plain codes where they are better
          const alone = error(quantizeLayer(rows, layer.rows, { ...spec, codes: compensation.compensated(rows, layer.rows, spec, nearest.scales) }).dequantized);
          expect(e, `${layer.node} ${s.bits}-bit ${s.quantizer} prune ${prune}`).toBeLessThanOrEqual(e0);
          const key = `${s.bits}-bit ${s.quantizer} prune ${prune}`;
          const total = totals.get(key) ?? { gptq: 0, nearest: 0, compensated: 0 };
          totals.set(key, { gptq: total.gptq + e, nearest: total.nearest + e0, compensated: total.compensated + alone });
        }
      }
    });
    // over the whole model, by a clear margin at 2 and 3 bits: the per-row fallback alone cannot make that
    // (it never does worse than nearest by construction), so the compensation itself must
    for (const [key, { gptq, nearest, compensated }] of totals) {
      expect(gptq, key).toBeLessThan((key.startsWith('1-bit') ? 1 : 0.8) * nearest);
      if (!key.startsWith('1-bit')) expect(compensated, key).toBeLessThan(0.8 * nearest);
    }
  });

  it('keeps a layer it cannot improve as it is: codes of weights already on the grid are those of rounding', () => {
    layers.forEach((layer, i) => {
      const rows = readRows(graph, layer);
      const spec = { bits: 4, quantizer: 'uniform' as const, threshold: -1 };
      const onGrid = quantizeLayer(rows, layer.rows, spec).dequantized;
      const plain = quantizeLayer(onGrid, layer.rows, spec);
      // the compensation alone (codes() would fall back to these codes anyway)
      const codes = new Compensation(hessians[i]!).compensated(onGrid, layer.rows, spec, plain.scales);
      expect(Array.from(codes), layer.node).toEqual(Array.from(plain.codes));
    });
  });

  it('refuses given codes that the quantizer cannot store', () => {
    const layer = layers[0];
    const rows = readRows(graph, layer);
    const codes = new Int32Array(rows.length);
    codes[0] = 8;
    expect(() => quantizeLayer(rows, layer.rows, { bits: 4, quantizer: 'uniform', threshold: -1, codes })).toThrow(/code 8 for weight 0 is outside the 4-bit uniform range/);
    const threshold = new LayerWeights(layer, rows).threshold(0.5);
    const pruned = rows.findIndex((w) => Math.abs(w) <= threshold);
    codes.fill(0)[pruned] = 1;
    expect(() => quantizeLayer(rows, layer.rows, { bits: 4, quantizer: 'uniform', threshold, codes })).toThrow(/which is pruned/);
  });
});

describe('a search space with error-compensating rounding', () => {
  it('gathers H once, when a layer is first rounded: never for float32 or pruned-only choices, nor for a codebook', () => {
    let gathered = 0;
    const space = new SearchSpace(graph, layers, 0.5, 0.5, 'float32', () => (gathered++, hessians));
    space.realize(0, { bits: FLOAT_BITS, family: 'uniform', prune: 0.3 });
    space.realize(1, { bits: 3, family: 'codebook', prune: 0 });
    expect(gathered).toBe(0);
    const rounded = space.realize(1, { bits: 3, family: 'uniform', prune: 0 });
    space.realize(2, { bits: 2, family: 'uniform', prune: 0.2 });
    expect(gathered).toBe(1);
    // and the codes are the compensation's, not plain rounding's
    const rows = readRows(graph, layers[1]);
    const spec = { bits: 3, quantizer: 'uniform' as const, threshold: rounded.threshold };
    expect(Array.from(rounded.dequantized)).toEqual(Array.from(quantizeLayer(rows, layers[1].rows, { ...spec, codes: new Compensation(hessians[1]!).codes(rows, layers[1].rows, spec) }).dequantized));
    expect(Array.from(rounded.dequantized)).not.toEqual(Array.from(quantizeLayer(rows, layers[1].rows, spec).dequantized));
  });
});
