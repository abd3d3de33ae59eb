/**
 *  fixed-q:B  every layer at B bits (B = 1: sign; 2..8: the chosen quantizer). No search.
 *  fixed-p:P  every layer float32 with its P-th percentile of |W| pruned (P in percent). No search.
 *
 * The one plan is checked against the constraints and refused (exit 3) if it misses one.
 */
import { FLOAT_BITS, type QuantizerFamily } from '../../plan/quantize.js';
import type { LayerChoice } from '../choice.js';
import type { SearchSpace } from '../search-space.js';
import { type MethodSpec, type Policy, Trace, checkedResult, evaluateChoices, planResult } from '../search.js';

export type FixedMethod = Extract<MethodSpec, { kind: 'fixed-q' | 'fixed-p' }>;

export function fixedPolicy(method: FixedMethod): Policy {
  const choices = (space: SearchSpace, family: QuantizerFamily) =>
    space.layers.map((): LayerChoice => (method.kind === 'fixed-q' ? { bits: method.bits, family, prune: 0 } : { bits: FLOAT_BITS, family, prune: method.prune }));
  return {
    // its one plan is its smallest
    smallest: choices,
    async run(space, evaluator, settings) {
      await evaluator.resetCommits();
      const plan = choices(space, settings.quantizer);
      settings.progress?.(1, 1, 'done');
      return checkedResult(space, evaluator, settings, planResult(space, evaluator, settings, plan, await evaluateChoices(space, evaluator, plan), null, new Trace()));
    },
  };
}
