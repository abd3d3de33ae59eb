/** Which policy makes the plan: the one place a MethodSpec (and a flash budget) is turned into one. */
import type { Evaluator } from '../evaluator.js';
import type { SearchSpace } from '../search-space.js';
import type { MethodSpec, Policy, SearchResult, SearchSettings } from '../search.js';
import { gammaSearch, lapUnderBudget, refuseUnreachable } from './budget.js';
import { fixedPolicy } from './fixed.js';
import { lap } from './lap.js';
import { laqLap } from './laq-lap.js';
import { laq } from './laq.js';

/** The policy of `method`; under a flash budget, its budget search (a fixed method has none: its one plan is checked). */
export function policyFor(method: MethodSpec, flash?: number): Policy {
  switch (method.kind) {
    case 'fixed-q':
    case 'fixed-p':
      return fixedPolicy(method);
    case 'laq':
      return flash === undefined ? laq : gammaSearch(laq, flash);
    case 'laq+lap':
      return flash === undefined ? laqLap : gammaSearch(laqLap, flash);
    case 'lap':
      return flash === undefined ? lap : lapUnderBudget(flash);
  }
}

export async function runSearch(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings): Promise<SearchResult> {
  const policy = policyFor(settings.method, settings.flash);
  if (settings.flash !== undefined) refuseUnreachable(space, policy, settings, settings.flash);
  return policy.run(space, evaluator, settings);
}
