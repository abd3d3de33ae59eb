/**
 * --max-explanation-drift (src/compress/explanation-drift.ts): the guard measures the
 * candidate's explanations against the full model's (CAM on beatnet, whose head is linear);
 * the evaluator holds candidates to it on complete runs; a search keeps it; compress refuses
 * a plan that misses it; on int8 activations it measures the device's maps.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressModel } from '../../src/compress/compress.js';
import { Evaluator } from '../../src/compress/evaluator.js';
import { ExplanationGuard } from '../../src/compress/explanation-drift.js';
import { SearchSpace } from '../../src/compress/search-space.js';
import { evaluateChoices } from '../../src/compress/search.js';
import type { Plan } from '../../src/plan/plan.js';
import { numericsOf } from '../../src/explain/numerics.js';
import { findWeightLayers } from '../../src/plan/layers.js';
import { ecgc, expectOneLine } from '../helpers/cli.js';
import { BEATNET, beatnetDataset, loadBeatnet, searchSettings, writeBeatnetDataset } from '../helpers/compress.js';

const graph = loadBeatnet();
const layers = findWeightLayers(graph);
const data = beatnetDataset(96, 31);
const guard = ExplanationGuard.create(graph, data.x, 96);
let evaluator: Evaluator;
beforeAll(async () => (evaluator = await Evaluator.create(graph, layers, data.x, 96, data.y, { explanation: guard })));
afterAll(() => evaluator.close());
const space = new SearchSpace(graph, layers, 0.5, 0.5);
const everywhere = (bits: number) => layers.map(() => ({ bits, family: 'uniform' as const, prune: 0 }));

describe('the explanation guard', () => {
  it("uses CAM on a linear head, and gives the full model's own weights an agreement of 1", () => {
    expect(guard.method).toBe('cam');
    expect(guard.agreement(numericsOf(graph))).toBeCloseTo(1, 12);
    expect(evaluator.baseline.figures!.explanationAgreement).toBe(1);
  });

  it('measures less agreement the fewer bits, and the evaluator holds a requirement to it', async () => {
    const at = async (bits: number, minExplanationAgreement?: number) => evaluateChoices(space, evaluator, everywhere(bits), { minScore: -Infinity, minExplanationAgreement });
    const eight = await at(8);
    const two = await at(2);
    expect(eight.figures!.explanationAgreement!).toBeGreaterThan(two.figures!.explanationAgreement!);
    expect(eight.figures!.explanationAgreement!).toBeLessThanOrEqual(1);
    // the same candidate, held to an agreement above and below its own
    const own = two.figures!.explanationAgreement!;
    expect((await at(2, own + 0.01)).accepted).toBe(false);
    expect((await at(2, own - 0.01)).accepted).toBe(true);
  });
});

describe('compress --max-explanation-drift', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ecgc-drift-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a LAQ plan within the drift, and records the agreement in its figures', async () => {
    const x = { x: data.x, count: 96, labels: data.y, classNames: data.meta.classes, source: 'synthetic', description: 'synthetic' };
    const { plan } = await compressModel({ graph, modelFile: BEATNET, modelBytes: readFileSync(BEATNET), data: x, settings: searchSettings({ kind: 'laq' }, { maxDrop: 2, maxExplanationDrift: 0.05 }), version: 'test' });
    expect(plan.method.maxExplanationDrift).toBe(0.05);
    expect(plan.figures.data.final.explanationAgreement!).toBeGreaterThanOrEqual(0.95 - 1e-9);
    // the plan's weights give that agreement
    expect(guard.agreement(numericsOf(graph, plan as Plan))).toBeCloseTo(plan.figures.data.final.explanationAgreement!, 12);
  }, 300_000);

  it('refuses a fixed plan that misses it, naming the agreement; on int8 activations it measures the device', async () => {
    const beats = writeBeatnetDataset(join(dir, 'beats'), 64, 7);
    const r = await ecgc(['compress', BEATNET, '--data', beats, '--method', 'fixed-q:1', '--max-explanation-drift', '0.01', '--out', join(dir, 'p.json')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/explanations' rank correlation with the full model's -?[\d.]+ \(needs >= 0\.990\)/);
    const int8 = await ecgc(['compress', BEATNET, '--data', beats, '--method', 'fixed-q:8', '--activations', 'int8', '--max-explanation-drift', '1', '--out', join(dir, 'q.json')]);
    expect(int8.stderr).toMatch(/^calibration:/);
    expect(int8.exitCode).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'q.json'), 'utf8')) as Plan;
    // the int8 plan's maps are the device's: they agree less than 1, and the plan's own numbers give that figure
    const agreement = plan.figures.data.final.explanationAgreement!;
    expect(agreement).toBeLessThan(1);
    expect(agreement).toBeGreaterThan(0.5);
    const data = beatnetDataset(64, 7);
    expect(ExplanationGuard.create(graph, data.x, 64).agreement(numericsOf(graph, plan))).toBeCloseTo(agreement, 12);
    expectOneLine(await ecgc(['compress', BEATNET, '--data', beats, '--method', 'laq', '--max-explanation-drift', '-1', '--out', join(dir, 'r.json')]), /--max-explanation-drift/);
  }, 120_000);
});
