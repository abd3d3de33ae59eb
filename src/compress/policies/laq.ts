/**
 *  laq  greedy, layer by layer, largest layer (float32 bytes) first; decisions stay:
 *       b_l = min { b in 1..8 : score(layers decided so far, l at b) >= min(A0 - t_l, S) },
 *       float32 if no b qualifies, where S is the score of the layers decided so far
 *       (a layer that costs nothing is taken even once the earlier ones have used more
 *       than its tolerance). The tolerance t_l = min(D, gamma * w_l) with
 *         printed  (the paper's inequality as printed)  w_l = I_l
 *         intended (what its text means: important layers lose less)  w_l = 1 - I_l
 *       and gamma, unless given, D / max_k w_k (the most tolerant layer may use all of
 *       D). Every t_l <= D, S >= A0 - D, and scores are cumulative, so the plan meets
 *       A0 - D. Largest first because the bytes are there: in graph order the tolerance
 *       went to the first layers, and ArrhythmiNet V1's last, largest layer stayed float32.
 *
 * The greedy search here also runs laq+lap (src/compress/policies/laq-lap.ts): a second pass
 * over the layers in the same order, with its own options.
 */
import type { QuantizerFamily } from '../../plan/quantize.js';
import { type LayerChoice, choiceText } from '../choice.js';
import { requirementOf } from '../constraints.js';
import type { Evaluator, Outcome } from '../evaluator.js';
import { FLOAT_CHOICE, type SearchSpace } from '../search-space.js';
import { type LaqRule, type Policy, type SearchResult, type SearchSettings, Trace, checkedResult, planResult } from '../search.js';

/** One greedy pass over the layers: the options it tries for layer i, in order, given the choices so far. */
export interface Pass {
  name: 'bits' | 'pruning';
  options(space: SearchSpace, layerIndex: number, choices: LayerChoice[], family: QuantizerFamily): LayerChoice[];
}

/** Every bit-width laq may give a layer (besides float32). */
export function laqOptions(family: QuantizerFamily): LayerChoice[] {
  return [1, 2, 3, 4, 5, 6, 7, 8].map((bits) => ({ bits, family, prune: 0 }));
}

export const bitsPass: Pass = {
  name: 'bits',
  options: (space, layerIndex, _choices, family) => space.cheapestFirst(layerIndex, laqOptions(family)),
};

export const laq: Policy = {
  run: (space, evaluator, settings) => greedy(space, evaluator, settings, [bitsPass]),
  smallest: (space, family) => space.layers.map((_, i) => space.cheapest(i, [...laqOptions(family), FLOAT_CHOICE])),
};

/** LAQ's per-layer weights w_l: I_l (printed) or 1 - I_l (intended). */
export function laqWeights(space: SearchSpace, rule: LaqRule): number[] {
  return space.importance.map((m) => (rule === 'printed' ? m.importance : 1 - m.importance));
}

/** The passes, one after the other, each layer held to min(A0 - t_l, S) (see above). */
export async function greedy(space: SearchSpace, evaluator: Evaluator, settings: SearchSettings, passes: Pass[]): Promise<SearchResult> {
  const L = space.layers.length;
  const A0 = evaluator.baseline.score;
  const trace = new Trace();
  const choices: LayerChoice[] = space.layers.map(() => FLOAT_CHOICE);
  const weight = laqWeights(space, settings.laqRule);
  const gamma = settings.gamma ?? (Math.max(...weight) > 0 ? settings.maxDrop / Math.max(...weight) : 0);
  const drops = weight.map((w) => Math.min(settings.maxDrop, gamma * w));
  // The complete outcome of the plan so far (an accepted candidate becomes it): the search needs no final run.
  await evaluator.resetCommits();
  let committed: Outcome = evaluator.start;
  // Largest layers first (see above).
  const order = space.layers.map((_, i) => i).sort((a, b) => space.realize(b, FLOAT_CHOICE).size.total - space.realize(a, FLOAT_CHOICE).size.total || a - b);
  for (const [p, pass] of passes.entries()) {
    for (const [step, i] of order.entries()) {
      settings.progress?.(p * L + step, passes.length * L, `${settings.method.kind}: ${pass.name} of ${space.layers[i].node}`);
      const options = pass.options(space, i, choices, settings.quantizer);
      if (options.length === 0) continue;
      await evaluator.focus(i);
      for (const option of options) {
        const trial = choices.slice();
        trial[i] = option;
        const outcome = await evaluator.evaluate(new Map([[i, space.realize(i, option)]]), requirementOf(settings, evaluator, Math.max(drops[i], A0 - committed.score)));
        trace.record(outcome, space.bytes(trial), `${space.layers[i].node} ${choiceText(option)}`);
        if (outcome.accepted) {
          choices[i] = option;
          committed = outcome;
          break;
        }
      }
      await evaluator.commit(i, space.realize(i, choices[i]));
    }
  }
  settings.progress?.(1, 1, 'done');
  return checkedResult(space, evaluator, settings, planResult(space, evaluator, settings, choices, committed, gamma, trace));
}
