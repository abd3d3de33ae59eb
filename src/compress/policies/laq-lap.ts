/**
 *  laq+lap  laq, then a second greedy pass in the same order that prunes on top: for layer l
 *           with laq's b_l, every (b in b_l..8, p in 0.1, ..., 0.9 with p <= 0.9 * (1 - I_l) /
 *           max_k (1 - I_k): more important layers are pruned less) smaller than the layer's
 *           laq choice is tried from the fewest bytes up, and the first that meets the same
 *           min(A0 - t_l, S) is kept (b < b_l is not tried: those failed even unpruned; a float32
 *           layer stays float32; a layer whose pruning could save less than 1% of the plan's
 *           bytes is not tried: its candidates would cost a whole evaluation each for
 *           nothing). A laq+lap plan is never larger than the laq plan of the same rule.
 */
import { FLOAT_BITS, type QuantizerFamily } from '../../plan/quantize.js';
import type { LayerChoice } from '../choice.js';
import { FLOAT_CHOICE, type SearchSpace } from '../search-space.js';
import type { Policy } from '../search.js';
import { type Pass, bitsPass, greedy, laqOptions } from './laq.js';

const PRUNE_GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** The pruning pass leaves alone a layer whose pruning could save less than this share of the plan's bytes. */
const MIN_PRUNING_SAVING = 0.01;

/** Every (bits, pruning) the pruning pass may give layer i. */
function jointOptions(space: SearchSpace, layerIndex: number, family: QuantizerFamily): LayerChoice[] {
  const cap = 0.9 * space.pruneShare(layerIndex);
  return laqOptions(family).flatMap(({ bits }) => PRUNE_GRID.filter((p) => p <= cap + 1e-12).map((prune) => ({ bits, family, prune })));
}

const pruningPass: Pass = {
  name: 'pruning',
  options(space, i, choices, family) {
    const current = space.realize(i, choices[i]).size.total;
    const options = space.cheapestFirst(i, jointOptions(space, i, family)).filter((o) => space.realize(i, o).size.total < current && o.bits >= choices[i].bits && choices[i].bits !== FLOAT_BITS);
    return options.length > 0 && current - space.realize(i, options[0]).size.total < MIN_PRUNING_SAVING * space.bytes(choices) ? [] : options;
  },
};

export const laqLap: Policy = {
  run: (space, evaluator, settings) => greedy(space, evaluator, settings, [bitsPass, pruningPass]),
  smallest: (space, family) => space.layers.map((_, i) => space.cheapest(i, [...jointOptions(space, i, family), ...laqOptions(family), FLOAT_CHOICE])),
};
