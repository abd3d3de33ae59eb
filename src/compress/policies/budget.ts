/**
 * With a flash budget (--flash) the objective becomes the best score that fits, still within
 * the constraints (D = --max-drop, 0.5 unless lifted with --max-drop none): the smallest size
 * the method can reach at all (any score) is checked first (exit 3 if it does not fit); then
 * laq and laq+lap run with gamma searched for (x4 steps from 0.25 / max w, then three
 * bisection steps), each layer's tolerance min(D, gamma * w_l): the plan of the smallest
 * gamma that fits, i.e. the least loss of the rule's family (the searched gamma replaces
 * --gamma); lap takes, of its scales (and no pruning) whose plan fits, the best that meets the
 * constraints. If nothing fits within the constraints, exit 3, naming the smallest plan that
 * meets them and the best plan that fits (the same search without constraints) with what it
 * misses; that plan is the error's `rejected`. (A fixed method's one plan is checked against
 * the budget, then run as without it.)
 */
import { constraintsText, requirementOf, shortfalls, unconstrained } from '../constraints.js';
import type { Evaluator, Outcome } from '../evaluator.js';
import type { SearchSpace } from '../search-space.js';
import { BudgetError, type Policy, type SearchResult, type SearchSettings, type TracePoint, evaluateChoices, methodName, searchResult, sketch } from '../search.js';
import { LAP_SCALES, lap, lapChoices } from './lap.js';
import { laqWeights } from './laq.js';

/** Refuses (exit 3) a budget below the smallest plan `policy` can make, whatever its score. */
export function refuseUnreachable(space: SearchSpace, policy: Policy, settings: SearchSettings, flash: number): void {
  const smallest = policy.smallest(space, settings.quantizer);
  const bytes = space.bytes(smallest);
  if (bytes > flash) {
    throw new BudgetError(`no ${methodName(settings.method)} plan fits --flash ${flash} bytes: the smallest it can make is ${bytes} bytes (whatever the accuracy)`, [sketch(space, 'smallest achievable', smallest)]);
  }
}

/**
 * Nothing fits within the constraints: names the smallest plan that meets them (`smallest`)
 * and the best that fits without them (`best`, undefined if none does), which is `rejected`.
 */
function infeasible(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, flash: number, smallest: SearchResult, best: SearchResult | undefined): BudgetError {
  const within = `within the constraints (${constraintsText(settings, evaluator)})`;
  const smallestBytes = space.bytes(smallest.choices);
  const bestText = best ? `; the best plan that fits (${space.bytes(best.choices)} bytes) misses them: ${shortfalls(settings, evaluator, best.final).join(', ')}` : '';
  const plans = [sketch(space, 'smallest within the constraints', smallest.choices), ...(best ? [sketch(space, 'best that fits', best.choices)] : [])];
  return new BudgetError(`no ${smallest.method} plan fits --flash ${flash} bytes ${within}: the smallest that meets them is ${smallestBytes} bytes${bestText}`, plans, best);
}

const BISECTION_STEPS = 3;

/**
 * laq / laq+lap (`policy`) under a budget: the plan of the smallest gamma that fits; without
 * a plan within the constraints, the search again without them, for the error.
 */
export function gammaSearch(policy: Policy, flash: number): Policy {
  return {
    smallest: policy.smallest,
    async run(space, evaluator, settings) {
      const constrained = await leastLossThatFits(policy, space, evaluator, settings, flash, 'within the constraints');
      if (constrained.fits) return constrained.result;
      const free = await leastLossThatFits(policy, space, evaluator, unconstrained(settings), flash, 'without the constraints (none fits within them)');
      // (the greedy searches are not monotone: the unconstrained one may find a plan within them)
      if (free.fits && evaluator.meets(free.result.final, requirementOf(settings, evaluator))) return free.result;
      throw infeasible(space, evaluator, settings, flash, constrained.result, free.fits ? free.result : undefined);
    },
  };
}

/** The plan of the smallest gamma that fits (fits: true), or the plan at the largest tolerances, which does not (fits: false). */
async function leastLossThatFits(policy: Policy, space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, flash: number, purpose: string): Promise<{ fits: boolean; result: SearchResult }> {
  const fits = (r: SearchResult) => space.bytes(r.choices) <= flash;
  const cap = settings.maxDrop;
  const weight = laqWeights(space, settings.laqRule);
  const wMax = Math.max(...weight);
  const wMin = Math.min(...weight.map((w) => Math.max(w, 1e-3 * wMax)));
  // gamma grows 4x from "the most tolerant layer may lose 0.25 points" until the plan fits, or
  // until every layer's tolerance is at the cap (or 100 points: no constraint left).
  let gamma = 0.25 / wMax;
  // Each pass is a whole search: the progress says which, of at most how many.
  const passes = Math.max(0, Math.ceil(Math.log(Math.min(cap, 100) / (gamma * wMin)) / Math.log(4))) + 1 + BISECTION_STEPS;
  let pass = 0;
  const run = (g: number) => {
    const label = `budget search ${purpose}, pass ${++pass} of at most ${passes}`;
    return policy.run(space, evaluator, { ...settings, gamma: g, progress: settings.progress && ((done, total, what) => settings.progress!(done, total, `${label}: ${what}`)) });
  };
  let low: number | undefined;
  let best: SearchResult;
  for (;;) {
    const result = await run(gamma);
    if (fits(result)) {
      best = result;
      break;
    }
    if (gamma * wMin >= Math.min(cap, 100)) return { fits: false, result };
    low = gamma;
    gamma *= 4;
  }
  // Bisection between the largest gamma that did not fit and the smallest that did.
  if (low !== undefined) {
    let lowGamma = low;
    let high = gamma;
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const middle = (lowGamma + high) / 2;
      const result = await run(middle);
      if (fits(result)) {
        best = result;
        high = middle;
      } else {
        lowGamma = middle;
      }
    }
  }
  return { fits: true, result: best };
}

/**
 * lap under a budget: of the scales (and no pruning) whose plan fits, the best score within the
 * constraints. Only the plans that fit are evaluated; when none of them meets the constraints,
 * the others, smallest first, until one does: the error names the smallest that meets them.
 */
export function lapUnderBudget(flash: number): Policy {
  return {
    smallest: lap.smallest,
    async run(space, evaluator, settings) {
      await evaluator.resetCommits();
      const requirement = requirementOf(settings, evaluator);
      const plans = [0, ...LAP_SCALES].map((scale) => {
        const choices = lapChoices(space, settings.quantizer, scale);
        return { scale, choices, bytes: space.bytes(choices), final: undefined as Outcome | undefined };
      });
      type LapPlan = (typeof plans)[number] & { final: Outcome };
      let step = 0;
      const evaluate = async (plan: (typeof plans)[number]): Promise<LapPlan> => {
        if (!plan.final) {
          settings.progress?.(step++, plans.length, `lap: prune scale ${plan.scale}`);
          plan.final = plan.scale === 0 ? evaluator.start : await evaluateChoices(space, evaluator, plan.choices);
        }
        return plan as LapPlan;
      };
      const fitting: LapPlan[] = [];
      for (const plan of plans.filter((p) => p.bytes <= flash)) fitting.push(await evaluate(plan));
      const best = (candidates: LapPlan[]) => candidates.reduce<LapPlan | undefined>((a, b) => (a === undefined || b.final.score > a.final.score ? b : a), undefined);
      const chosen = best(fitting.filter((p) => evaluator.meets(p.final, requirement)));
      // None that fits meets the constraints: the smallest that does (the first of the fewest bytes, as the scales go;
      // there is one: no pruning, the full model, meets them).
      let smallest: LapPlan | undefined;
      if (!chosen) {
        for (const plan of plans.filter((p) => p.bytes > flash).sort((a, b) => a.bytes - b.bytes)) {
          if (evaluator.meets((await evaluate(plan)).final, requirement)) {
            smallest = plan as LapPlan;
            break;
          }
        }
      }
      settings.progress?.(1, 1, 'done');
      // The trace: the plans evaluated, in the order of the scales.
      const trace: TracePoint[] = plans.flatMap((p) => (p.final ? [{ bytes: p.bytes, score: p.final.score, label: `lap s=${p.scale}` }] : []));
      const result = (p: LapPlan) => searchResult(space, evaluator, settings, p.choices, p.final, null, trace);
      if (chosen) return result(chosen);
      const fits = best(fitting);
      throw infeasible(space, evaluator, settings, flash, result(smallest!), fits && result(fits));
    },
  };
}
