/**
 * The candidate evaluator and what it builds on: resuming the interpreter from a cut
 * (residual branches included), in-place constant updates in the worker threads, cached
 * evaluation equal to running the compressed graph (on float32 and on int8 activations), and
 * early stopping that decides as a full evaluation does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integerInputs } from '../../src/compress/candidate-weights.js';
import { LayerWeights, type RealizedLayer } from '../../src/compress/choice.js';
import { Evaluator } from '../../src/compress/evaluator.js';
import { FLOAT_CHOICE } from '../../src/compress/search-space.js';
import { integerLayerSize } from '../../src/pack/size.js';
import { findWeightLayers, readRows, writeRows } from '../../src/plan/layers.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { integerGraph } from '../../src/quant/integer-graph.js';
import { argmaxRows, classificationMetrics } from '../../src/compress/metrics.js';
import type { Graph } from '../../src/ir/graph.js';
import { compileStepped } from '../../src/ref/interpreter.js';
import { BatchRunner } from '../../src/ref/parallel.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { beatnetDataset, loadBeatnet } from '../helpers/compress.js';
import { loadFixture, runReference } from '../helpers/fixtures.js';

/** A copy of the graph with some layers' weights replaced (row-major). */
function withWeights(graph: Graph, changes: Map<number, Float32Array>): Graph {
  const layers = findWeightLayers(graph);
  const copy: Graph = { ...graph, constants: new Map(graph.constants) };
  for (const [i, rows] of changes) {
    const t = graph.constants.get(layers[i].weight)!;
    copy.constants.set(layers[i].weight, { ...t, data: t.data.slice() });
    writeRows(copy, layers[i], rows);
  }
  return copy;
}

describe('resuming the interpreter from a cut', () => {
  it('gives the outputs of a whole run from every cut of a residual network', () => {
    const { graph, input } = loadFixture('resnet1d');
    const stepped = compileStepped(graph);
    const whole = runReference(graph, input.data, 3);
    const sampleSize = input.data.length / 3;
    for (let cut = 0; cut <= graph.nodes.length; cut++) {
      for (let n = 0; n < 3; n++) {
        stepped.setInputs([input.data.subarray(n * sampleSize, (n + 1) * sampleSize)]);
        stepped.runNodes(0, cut);
        const state = new Float32Array(stepped.stateSize(cut));
        stepped.saveState(cut, state, 0);
        // Scramble every buffer by running another sample, then resume from the saved state.
        stepped.setInputs([input.data.subarray(((n + 1) % 3) * sampleSize, ((n + 2) % 3 || 3) * sampleSize)]);
        stepped.runNodes(0, graph.nodes.length);
        stepped.loadState(cut, state, 0);
        stepped.runNodes(cut, graph.nodes.length);
        expectBitExact(stepped.outputs[0], whole.subarray(n * 4, (n + 1) * 4));
      }
    }
    // The state after the first residual block's split holds the skip branch too.
    const splitting = graph.nodes.findIndex((node) => node.name.includes('block2/c2'));
    expect(stepped.stateSize(splitting)).toBeGreaterThan(graph.values.get(graph.nodes[splitting].inputs[0])!.shape.reduce((a, b) => a * b, 1));
  });
});

describe('BatchRunner constant updates and cached runs', () => {
  it('updates the workers in place; cached runs from a cut equal plain runs; 1 and 2 threads agree', async () => {
    const { graph, input } = loadFixture('resnet1d');
    const layers = findWeightLayers(graph);
    const x = new Float32Array(24 * 250);
    for (let n = 0; n < 8; n++) x.set(input.data, n * 750);
    for (const threads of [1, 2]) {
      const own: Graph = { ...graph, constants: new Map([...graph.constants].map(([k, t]) => [k, { ...t, data: t.data.slice() }])) };
      const runner = new BatchRunner(own, threads);
      try {
        await runner.cache(x.slice(), 24);
        const halved = readRows(graph, layers[3]).map((w) => w / 2);
        const changed = withWeights(graph, new Map([[3, halved]]));
        await runner.updateConstants({ [layers[3].weight]: new Float32Array(own.constants.get(layers[3].weight)!.data.length).map((_, i) => graph.constants.get(layers[3].weight)!.data[i] / 2) });
        const expected = runReference(changed, x, 24);
        expectBitExact(await runner.run(x.slice(), 24), expected);
        const cut = layers[3].nodeIndex;
        await runner.prepareCut(0, cut);
        const { ranges, output } = await runner.runCached(cut, 0, 4, 4);
        expect(ranges.reduce((s, [a, b]) => s + b - a, 0)).toBe(24);
        expectBitExact(output, expected);
        const part = await runner.runCached(cut, 1, 2, 4);
        let at = 0;
        for (const [a, b] of part.ranges) {
          expectBitExact(part.output.subarray(at * 4, (at + b - a) * 4), expected.subarray(a * 4, b * 4));
          at += b - a;
        }
      } finally {
        await runner.close();
      }
    }
  });
});

describe('Evaluator', () => {
  const graph = loadBeatnet();
  const layers = findWeightLayers(graph);
  const data = beatnetDataset(300, 5);
  const weights = layers.map((l) => new LayerWeights(l, readRows(graph, l)));
  let evaluator: Evaluator;
  let f1Evaluator: Evaluator;
  beforeAll(async () => {
    evaluator = await Evaluator.create(graph, layers, data.x, 300, data.y, {});
    f1Evaluator = await Evaluator.create(graph, layers, data.x, 300, data.y, { metric: 'f1' });
  });
  afterAll(async () => {
    await evaluator.close();
    await f1Evaluator.close();
  });

  it('scores the full model as classificationMetrics does', () => {
    const predicted = argmaxRows(runReference(graph, data.x, 300), 5);
    const right = predicted.filter((p, i) => p === data.y[i]).length;
    expect(evaluator.baseline.score).toBeCloseTo((100 * right) / 300, 10);
    expect(evaluator.baseline.figures!.agreement).toBe(1);
    expect(evaluator.baseline.figures!.snrDb).toBeNull();
  });

  it("evaluates from a cached cut exactly what the compressed graph computes, committed layers included", async () => {
    await evaluator.commit(1, weights[1].realize({ bits: 4, family: 'uniform', prune: 0 }));
    await evaluator.focus(4);
    const candidate = weights[4].realize({ bits: 3, family: 'codebook', prune: 0.2 });
    const outcome = await evaluator.evaluate(new Map([[4, candidate]]));
    const direct = runReference(withWeights(graph, new Map([[1, evaluator.committedRows(1)!], [4, candidate.dequantized]])), data.x, 300);
    expectBitExact(outcome.outputs!, direct);
    // The candidate is gone on the next evaluation: only the committed layer remains.
    const next = await evaluator.evaluate(new Map());
    expectBitExact(next.outputs!, runReference(withWeights(graph, new Map([[1, evaluator.committedRows(1)!]])), data.x, 300));
    await evaluator.resetCommits();
    expectBitExact((await evaluator.evaluate(new Map())).outputs!, evaluator.reference);
  });

  it('stops early only when the requirement is out of reach: the same decisions as full evaluations', async () => {
    for (const ev of [evaluator, f1Evaluator]) {
      let early = 0;
      for (let i = 0; i < layers.length; i += 3) {
        await ev.focus(i);
        for (const bits of [1, 2, 3, 5]) {
          const rows = weights[i].realize({ bits, family: 'uniform', prune: 0 });
          const full = await ev.evaluate(new Map([[i, rows]]));
          for (const drop of [0, 0.5, 2, 10, 40]) {
            const minScore = ev.baseline.score - drop;
            const fast = await ev.evaluate(new Map([[i, rows]]), { minScore });
            expect(fast.accepted).toBe(full.score >= minScore - 1e-9);
            if (!fast.complete) {
              early++;
              expect(fast.windows).toBeLessThan(300);
              expect(fast.score).toBeGreaterThanOrEqual(full.score - 1e-9); // the bound it stopped on
            }
          }
        }
      }
      expect(early).toBeGreaterThan(5);
    }
    expect(evaluator.evaluations).toBeGreaterThan(1);
  });

  it('reports per-class recall as classificationMetrics does, and stops early on a class only when its recall is out of reach', async () => {
    const rows = weights[6].realize({ bits: 2, family: 'uniform', prune: 0 });
    await evaluator.resetCommits();
    const full = await evaluator.evaluate(new Map([[6, rows]]));
    const metrics = classificationMetrics(data.y, argmaxRows(full.outputs!, 5), ['0', '1', '2', '3', '4']);
    expect(full.figures!.perClass).toEqual(metrics.perClass.map(({ name, support, recall }) => ({ name, support, recall })));
    let early = 0;
    for (let i = 0; i < layers.length; i += 2) {
      await evaluator.focus(i);
      for (const bits of [1, 2, 3]) {
        const candidate = weights[i].realize({ bits, family: 'uniform', prune: 0 });
        const complete = await evaluator.evaluate(new Map([[i, candidate]]));
        for (const maxClassDrop of [0, 5, 20, 60]) {
          const requirement = { minScore: -Infinity, maxClassDrop };
          const fast = await evaluator.evaluate(new Map([[i, candidate]]), requirement);
          const worst = Math.max(...complete.figures!.perClass!.map((c, k) => 100 * (evaluator.baseline.figures!.perClass![k].recall - c.recall)));
          expect(fast.accepted).toBe(worst <= maxClassDrop + 1e-9);
          expect(evaluator.meets(complete, requirement)).toBe(fast.accepted);
          if (!fast.complete) early++;
        }
      }
    }
    expect(early).toBeGreaterThan(3);
  });
});

describe('Evaluator on int8 activations', () => {
  const graph = loadBeatnet();
  const layers = findWeightLayers(graph);
  const data = beatnetDataset(200, 9);
  const weights = layers.map((l) => new LayerWeights(l, readRows(graph, l), 'float32', undefined, true));
  const start = (i: number) => weights[i].realize(FLOAT_CHOICE);
  const tensors = calibrate(graph, data.x, 200).minmax;
  /** The integer reference of the graph with these candidates, the other layers at their start. */
  const integerReference = (candidates: Map<number, RealizedLayer>) => {
    const { applied, integerLayers } = integerInputs(graph, layers, (i) => candidates.get(i) ?? start(i));
    return runReference(integerGraph(applied, { tensors, layers: integerLayers }), data.x, 200);
  };
  let evaluator: Evaluator;
  beforeAll(async () => {
    evaluator = await Evaluator.create(graph, layers, data.x, 200, data.y, { integer: { tensors, start } });
  });
  afterAll(async () => {
    await evaluator.close();
  });

  it("keeps the float32 model's figures as the baseline, and a layer left float32 is 8-bit there", () => {
    expectBitExact(evaluator.reference, runReference(graph, data.x, 200));
    expect(evaluator.baseline.figures!.agreement).toBe(1);
    expect(start(0).choice.bits).toBe(8);
    expect(start(0).size.total).toBe(integerLayerSize(start(0).quantized!.codes, layers[0].rows, 8).total);
  });

  it('evaluates from a cached cut exactly what the integer graph computes, committed layers included', async () => {
    const committed = weights[1].realize({ bits: 4, family: 'uniform', prune: 0 });
    await evaluator.commit(1, committed);
    await evaluator.focus(4);
    const candidate = weights[4].realize({ bits: 3, family: 'uniform', prune: 0.2 });
    const outcome = await evaluator.evaluate(new Map([[4, candidate]]));
    expectBitExact(outcome.outputs!, integerReference(new Map([[1, committed], [4, candidate]])));
    // the candidate gone, back to the committed layer; then to the start
    expectBitExact((await evaluator.evaluate(new Map())).outputs!, integerReference(new Map([[1, committed]])));
    await evaluator.resetCommits();
    const started = (await evaluator.evaluate(new Map())).outputs!;
    expectBitExact(started, integerReference(new Map()));
    // int8 activations are not the float32 model: some output differs
    expect(started.some((v, i) => v !== evaluator.reference[i])).toBe(true);
  });

  it('refuses a codebook, which has no integer form', () => {
    expect(() => weights[2].realize({ bits: 3, family: 'codebook', prune: 0 })).toThrow(/codebook, which has no integer form/);
  });
});
