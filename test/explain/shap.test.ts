/**
 * Permutation SHAP over time segments (src/explain/shap.ts): exact on a linear model, where
 * each segment's value is known in closed form; the exact Shapley values of a small
 * nonlinear model when every order is walked (against the Shapley formula over all
 * coalitions); efficiency on every window whatever the orders sampled.
 */
import { describe, expect, it } from 'vitest';
import { type Evaluate, segmentBounds, segmentOrders, shapWindow } from '../../src/explain/shap.js';
import { compileGraph, runBatch } from '../../src/ref/interpreter.js';
import type { Graph } from '../../src/ir/graph.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';

const T = 12;
const CLASSES = 2;

/** input [1, 1, T] -> Flatten -> Gemm (W [2, T]) -> scores [1, 2]. */
function linearModel(w: Float32Array): Graph {
  return graphOf({
    inputs: [{ name: 'x', shape: [1, 1, T] }],
    outputs: ['y'],
    initializers: { w: { shape: [CLASSES, T], data: w }, b: { shape: [CLASSES], data: [0.25, -0.5] } },
    nodes: [
      { op: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['f', 'w', 'b'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  });
}

/** input -> Flatten -> Gemm (6) -> Relu -> Gemm (2). */
function mlp(): Graph {
  return graphOf({
    inputs: [{ name: 'x', shape: [1, 1, T] }],
    outputs: ['y'],
    initializers: { w1: { shape: [6, T], data: randomFloats(6 * T, 3) }, w2: { shape: [CLASSES, 6], data: randomFloats(2 * 6, 4) } },
    nodes: [
      { op: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['f', 'w1'], outputs: ['h'], attrs: { transB: 1 } },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'Gemm', inputs: ['r', 'w2'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  });
}

const evaluator = (graph: Graph): Evaluate => {
  const compiled = compileGraph(graph);
  return async (windows, count) => runBatch(compiled, windows, count);
};
const layout = { size: T, leads: 1, length: T };
const background = randomFloats(5 * T, 21);
const x = randomFloats(T, 22);

describe('SHAP segments and orders', () => {
  it('cuts the window into nearly equal segments', () => {
    expect(segmentBounds(12, 4)).toEqual([0, 3, 6, 9, 12]);
    expect(segmentBounds(10, 4)).toEqual([0, 2, 5, 7, 10]);
  });

  it('walks every order when there are no more than asked for, else antithetic pairs', () => {
    const all = segmentOrders(3, 6, 0);
    expect(all).toHaveLength(6);
    expect(new Set(all.map((o) => o.join()))).toHaveLength(6);
    const sampled = segmentOrders(8, 6, 7);
    expect(sampled).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(sampled[i + 1]).toEqual([...sampled[i]].reverse());
    expect(segmentOrders(8, 6, 7)).toEqual(sampled); // seeded
  });
});

describe('permutation SHAP', () => {
  it('gives a linear model its closed-form values: w . (x - mean background) per segment', async () => {
    const w = randomFloats(CLASSES * T, 9);
    const result = await shapWindow(evaluator(linearModel(w)), layout, x, 0, background, () => 1, { segments: 4, permutations: 4, seed: 1 });
    expect(result.explained).toBe(1);
    const bounds = segmentBounds(T, 4);
    for (let j = 0; j < 4; j++) {
      let expected = 0;
      for (let t = bounds[j]; t < bounds[j + 1]; t++) {
        let mean = 0;
        for (let b = 0; b < 5; b++) mean += background[b * T + t] / 5;
        expected += w[T + t] * (x[t] - mean);
      }
      // the model runs in float32: its scores carry float32 rounding
      expect(Math.abs(result.segments[j] - expected)).toBeLessThan(1e-5);
      // the segment's value is spread over its samples
      let spread = 0;
      for (let t = bounds[j]; t < bounds[j + 1]; t++) spread += result.saliency[t];
      expect(spread).toBeCloseTo(result.segments[j], 12);
    }
  });

  it('gives the exact Shapley values of a nonlinear model when every order is walked', async () => {
    const graph = mlp();
    const evaluate = evaluator(graph);
    const segments = 4;
    const result = await shapWindow(evaluate, layout, x, 0, background, () => 0, { segments, permutations: 24, seed: 0 });
    // v(S) for all 16 coalitions, then the Shapley formula
    const bounds = segmentBounds(T, segments);
    const value = async (mask: number) => {
      const windows = new Float32Array(5 * T);
      for (let b = 0; b < 5; b++) {
        for (let t = 0; t < T; t++) {
          const j = bounds.findIndex((_, k) => t >= bounds[k] && t < bounds[k + 1]);
          windows[b * T + t] = mask & (1 << j) ? x[t] : background[b * T + t];
        }
      }
      const out = await evaluate(windows, 5);
      let sum = 0;
      for (let b = 0; b < 5; b++) sum += out[b * CLASSES];
      return sum / 5;
    };
    const v = await Promise.all(Array.from({ length: 16 }, (_, mask) => value(mask)));
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
    for (let j = 0; j < segments; j++) {
      let phi = 0;
      for (let mask = 0; mask < 16; mask++) {
        if (mask & (1 << j)) continue;
        const size = [0, 1, 2, 3].filter((k) => mask & (1 << k)).length;
        phi += ((factorial(size) * factorial(segments - size - 1)) / factorial(segments)) * (v[mask | (1 << j)] - v[mask]);
      }
      expect(Math.abs(result.segments[j] - phi)).toBeLessThan(1e-9);
    }
    expect(result.baseline).toBe(v[0]);
  });

  it('holds efficiency on every window: the values sum to f(x) - E[f(background)]', async () => {
    const evaluate = evaluator(mlp());
    for (let w = 0; w < 6; w++) {
      const window = randomFloats(T, 100 + w);
      const result = await shapWindow(evaluate, layout, window, w, background, (scores) => (scores[0] > scores[1] ? 0 : 1), { segments: 6, permutations: 4, seed: w });
      const sum = result.segments.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - (result.scores[result.explained] - result.baseline))).toBeLessThan(1e-9);
    }
  });
});
