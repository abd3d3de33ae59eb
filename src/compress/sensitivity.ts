/**
 * Measured sensitivity, beside the paper's heuristic: the score drop (points) when only one
 * layer is quantized to b bits and every other layer stays float32, for each b; and how well
 * the importance I_l ranks the layers as the measurement does (Spearman's rank correlation,
 * ties ranked by their mean rank), over the mean drop across the measured b and per b.
 * A positive correlation means the heuristic calls important the layers that are sensitive.
 */
import type { QuantizerFamily } from '../plan/quantize.js';
import type { Evaluator } from './evaluator.js';
import type { SearchSpace } from './search-space.js';

export interface LayerSensitivity {
  node: string;
  importance: number;
  /** Drop in points per entry of `bits`. */
  drops: number[];
  meanDrop: number;
}

export interface Sensitivity {
  bits: number[];
  quantizer: QuantizerFamily;
  layers: LayerSensitivity[];
  /** Spearman correlation of importance with the mean drop (null: undefined, e.g. all drops equal). */
  spearman: number | null;
  spearmanByBits: (number | null)[];
}

export async function measureSensitivity(
  space: SearchSpace,
  evaluator: Evaluator,
  bits: number[],
  quantizer: QuantizerFamily,
  progress?: (done: number, total: number, what: string) => void,
): Promise<Sensitivity> {
  await evaluator.resetCommits();
  const A0 = evaluator.baseline.score;
  const layers: LayerSensitivity[] = [];
  for (let i = 0; i < space.layers.length; i++) {
    progress?.(i, space.layers.length, `sensitivity: ${space.layers[i].node}`);
    await evaluator.focus(i);
    const drops: number[] = [];
    for (const b of bits) {
      const outcome = await evaluator.evaluate(new Map([[i, space.realize(i, { bits: b, family: quantizer, prune: 0 })]]));
      drops.push(A0 - outcome.score);
    }
    layers.push({ node: space.layers[i].node, importance: space.importance[i].importance, drops, meanDrop: drops.reduce((a, b) => a + b, 0) / drops.length });
  }
  const importance = layers.map((l) => l.importance);
  return {
    bits,
    quantizer,
    layers,
    spearman: spearman(importance, layers.map((l) => l.meanDrop)),
    spearmanByBits: bits.map((_, k) => spearman(importance, layers.map((l) => l.drops[k]))),
  };
}

/** Ranks 1..n, ties sharing their mean rank. */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    for (let k = start; k <= end; k++) out[order[k][1]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return out;
}

export function spearman(a: number[], b: number[]): number | null {
  if (a.length < 2) return null;
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let covariance = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    covariance += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) ** 2;
    vb += (rb[i] - mb) ** 2;
  }
  return va === 0 || vb === 0 ? null : covariance / Math.sqrt(va * vb);
}
