/**
 *  lap  float32 weights, layer l pruned at p_l(s) = min(0.95, s * (1 - I_l) / max_k (1 - I_k))
 *       (more important layers are pruned less): the largest s in 0.95, 0.9, 0.8, ..., 0.1
 *       whose plan scores >= A0 - D. (A pruned float32 layer is stored as indices and its
 *       nonzero float32 weights when that is smaller, so pruning alone saves flash from
 *       about 50% sparsity on.)
 */
import { FLOAT_BITS, type QuantizerFamily } from '../../plan/quantize.js';
import type { LayerChoice } from '../choice.js';
import { requirementOf } from '../constraints.js';
import type { Outcome } from '../evaluator.js';
import { FLOAT_CHOICE, type SearchSpace } from '../search-space.js';
import { type Policy, Trace, checkedResult, evaluateChoices, planResult } from '../search.js';

export const LAP_SCALES = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

function lapChoice(space: SearchSpace, layerIndex: number, family: QuantizerFamily, scale: number): LayerChoice {
  return { bits: FLOAT_BITS, family, prune: Math.min(0.95, scale * space.pruneShare(layerIndex)) };
}

/** lap's plan at prune scale `scale` (0: the full model). */
export function lapChoices(space: SearchSpace, family: QuantizerFamily, scale: number): LayerChoice[] {
  return space.layers.map((_, i) => lapChoice(space, i, family, scale));
}

export const lap: Policy = {
  async run(space, evaluator, settings) {
    const trace = new Trace();
    let choices = space.layers.map(() => FLOAT_CHOICE);
    await evaluator.resetCommits();
    let committed: Outcome = evaluator.start;
    for (const [step, scale] of LAP_SCALES.entries()) {
      settings.progress?.(step, LAP_SCALES.length, `lap: prune scale ${scale}`);
      const candidate = lapChoices(space, settings.quantizer, scale);
      const outcome = await evaluateChoices(space, evaluator, candidate, requirementOf(settings, evaluator));
      trace.record(outcome, space.bytes(candidate), `lap s=${scale}`);
      if (outcome.accepted) {
        choices = candidate;
        committed = outcome;
        break;
      }
    }
    settings.progress?.(1, 1, 'done');
    return checkedResult(space, evaluator, settings, planResult(space, evaluator, settings, choices, committed, null, trace));
  },
  smallest: (space, family) => space.layers.map((_, i) => space.cheapest(i, [...LAP_SCALES.map((s) => lapChoice(space, i, family, s)), FLOAT_CHOICE])),
};
