/**
 * Which policy a method (and a flash budget) gets, told apart by what each does on beatnet:
 * the passes its progress names, the plans it tries, the smallest plan it can make, and the
 * budget check every method gets under --flash before anything is evaluated.
 */
import { describe, expect, it } from 'vitest';
import { FLOAT_BITS } from '../../../src/plan/quantize.js';
import { policyFor, runSearch } from '../../../src/compress/policies/choose.js';
import { LAP_SCALES } from '../../../src/compress/policies/lap.js';
import { FLOAT_CHOICE } from '../../../src/compress/search-space.js';
import { BudgetError, type MethodSpec, type SearchSettings } from '../../../src/compress/search.js';
import { beatnetSearch, searchSettings } from '../../helpers/compress.js';

const search = beatnetSearch(200, 11);
const { layers } = search;

const METHODS: MethodSpec[] = [{ kind: 'fixed-q', bits: 3 }, { kind: 'fixed-p', prune: 0.4 }, { kind: 'laq' }, { kind: 'lap' }, { kind: 'laq+lap' }];

const settingsOf = (method: MethodSpec, flash?: number): SearchSettings =>
  // (a fixed method is held to no score unless asked, as on the command line)
  searchSettings(method, { maxDrop: method.kind === 'fixed-q' || method.kind === 'fixed-p' ? Infinity : 2, flash });

/** Runs `method`'s policy, returning its result and the progress it reported. */
async function runPolicy(method: MethodSpec, flash?: number) {
  const steps: string[] = [];
  const result = await policyFor(method, flash).run(search.space, search.evaluator, { ...settingsOf(method, flash), progress: (_, __, what) => steps.push(what) });
  return { result, steps: steps.filter((s) => s !== 'done') };
}

describe('the policy of each method', () => {
  it('fixed-q and fixed-p: one plan, every layer alike, no search', async () => {
    const q = await runPolicy({ kind: 'fixed-q', bits: 3 });
    expect(q.steps).toEqual([]);
    expect(q.result.choices).toEqual(layers.map(() => ({ bits: 3, family: 'uniform', prune: 0 })));
    const p = await runPolicy({ kind: 'fixed-p', prune: 0.4 });
    expect(p.result.choices).toEqual(layers.map(() => ({ bits: FLOAT_BITS, family: 'uniform', prune: 0.4 })));
    expect(p.result.gamma).toBeNull();
  });

  it('laq: one pass over the layers choosing bits, never pruning', async () => {
    const { result, steps } = await runPolicy({ kind: 'laq' });
    expect(steps).toHaveLength(layers.length);
    expect(steps.every((s) => s.startsWith('laq: bits of '))).toBe(true);
    expect(result.choices.every((c) => c.prune === 0)).toBe(true);
    expect(result.gamma).toBeGreaterThan(0);
  });

  it('laq+lap: the same bits pass, then a pruning pass', async () => {
    const { steps } = await runPolicy({ kind: 'laq+lap' });
    expect(steps.map((s) => s.replace(/ of .*/, ''))).toEqual([...layers.map(() => 'laq+lap: bits'), ...layers.map(() => 'laq+lap: pruning')]);
  });

  it('lap: the prune scales from the largest down, float32 weights', async () => {
    const { result, steps } = await runPolicy({ kind: 'lap' });
    expect(steps[0]).toBe('lap: prune scale 0.95');
    expect(result.choices.every((c) => c.bits === FLOAT_BITS)).toBe(true);
    expect(result.gamma).toBeNull();
  });
});

describe('under a flash budget', () => {
  for (const kind of ['laq', 'laq+lap'] as const) {
    it(`${kind} searches gamma: a whole search per gamma tried, each named`, async () => {
      // the plan of the default gamma fits: gammas from 0.25 / max w up are tried until one fits, then bisected
      const flash = search.space.bytes((await runPolicy({ kind })).result.choices);
      const { result, steps } = await runPolicy({ kind }, flash);
      expect(steps[0]).toMatch(new RegExp(`^budget search within the constraints, pass 1 of at most \\d+: ${kind.replace('+', '\\+')}: bits of `));
      const passes = new Set(steps.map((s) => /, pass (\d+) of /.exec(s)![1]));
      expect(steps.filter((s) => s.includes(`: ${kind}: bits of `))).toHaveLength(passes.size * layers.length);
      // (beatnet's laq needs several; its laq+lap fits at the first gamma)
      if (kind === 'laq') expect(passes.size).toBeGreaterThan(1);
      expect(search.space.bytes(result.choices)).toBeLessThanOrEqual(flash);
    });
  }

  it('lap weighs its scales and no pruning (scale 0), evaluating only the plans that fit', async () => {
    const all = await runPolicy({ kind: 'lap' }, 1e9);
    expect(all.steps).toEqual(['lap: prune scale 0', ...LAP_SCALES.map((s) => `lap: prune scale ${s}`)]);
    expect(all.result.trace.map((p) => p.label)).toContain('lap s=0');
    // the full model does not fit: it is not evaluated
    const flash = search.space.bytes(layers.map(() => FLOAT_CHOICE)) - 1;
    const tight = await runPolicy({ kind: 'lap' }, flash);
    expect(tight.steps).not.toContain('lap: prune scale 0');
    expect(tight.result.trace.every((p) => p.bytes <= flash)).toBe(true);
    expect(search.space.bytes(tight.result.choices)).toBeLessThanOrEqual(flash);
  });

  it('a fixed method makes the same plan as without one', async () => {
    const flash = search.space.bytes(layers.map(() => ({ bits: 3, family: 'uniform' as const, prune: 0 })));
    const budgeted = await runPolicy({ kind: 'fixed-q', bits: 3 }, flash);
    const plain = await runPolicy({ kind: 'fixed-q', bits: 3 });
    expect(budgeted.result.choices).toEqual(plain.result.choices);
    expect(budgeted.result.final.score).toBe(plain.result.final.score);
  });

  it('every method is refused before anything is evaluated when even its smallest plan does not fit', async () => {
    for (const method of METHODS) {
      const smallest = search.space.bytes(policyFor(method).smallest(search.space, 'uniform'));
      const before = search.evaluator.candidates;
      const error = await runSearch(search.space, search.evaluator, settingsOf(method, smallest - 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BudgetError);
      expect((error as BudgetError).message).toContain(`the smallest it can make is ${smallest} bytes`);
      expect(search.evaluator.candidates).toBe(before);
    }
  });
});

describe('the smallest plan of each method', () => {
  const bytes = (i: number, c: { bits: number; prune: number }) => search.space.realize(i, { ...c, family: 'uniform' }).size.total;

  it('is its one plan for a fixed method', () => {
    expect(policyFor({ kind: 'fixed-q', bits: 3 }).smallest(search.space, 'uniform')).toEqual(layers.map(() => ({ bits: 3, family: 'uniform', prune: 0 })));
  });

  it('is, layer by layer, no larger than any choice the method may make', () => {
    const laq = policyFor({ kind: 'laq' }).smallest(search.space, 'uniform');
    const laqLap = policyFor({ kind: 'laq+lap' }).smallest(search.space, 'uniform');
    const lap = policyFor({ kind: 'lap' }).smallest(search.space, 'uniform');
    layers.forEach((_, i) => {
      for (let b = 1; b <= 8; b++) expect(bytes(i, laq[i])).toBeLessThanOrEqual(bytes(i, { bits: b, prune: 0 }));
      expect(bytes(i, laq[i])).toBeLessThanOrEqual(bytes(i, FLOAT_CHOICE));
      // laq+lap may also prune on top of its bits
      expect(bytes(i, laqLap[i])).toBeLessThanOrEqual(bytes(i, laq[i]));
      // lap's most pruned plan, or float32 if pruning makes the layer no smaller
      expect(lap[i].bits).toBe(FLOAT_BITS);
      expect(bytes(i, lap[i])).toBe(Math.min(bytes(i, FLOAT_CHOICE), bytes(i, { bits: FLOAT_BITS, prune: Math.min(0.95, 0.95 * search.space.pruneShare(i)) })));
    });
  });

  it('is the same under a flash budget', () => {
    for (const method of METHODS) expect(policyFor(method, 1000).smallest(search.space, 'uniform')).toEqual(policyFor(method).smallest(search.space, 'uniform'));
  });
});
