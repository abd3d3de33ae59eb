/** How far two saliencies of one window agree: rank correlation, and overlap of their top samples. */

/** Ranks from 1, ties given their mean rank. */
function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) out[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson's on the ranks); 1 when either is constant and both are equal, else 0 for a constant one. */
export function rankCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const n = ra.length;
  const mean = (n + 1) / 2;
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    ab += (ra[i] - mean) * (rb[i] - mean);
    aa += (ra[i] - mean) ** 2;
    bb += (rb[i] - mean) ** 2;
  }
  if (aa === 0 || bb === 0) return aa === bb ? 1 : 0;
  return ab / Math.sqrt(aa * bb);
}

/** The share of the `fraction` most salient samples of `a` that are among those of `b` (ties broken by position). */
export function topOverlap(a: ArrayLike<number>, b: ArrayLike<number>, fraction = 0.2): number {
  const k = Math.max(1, Math.ceil(fraction * a.length));
  const top = (v: ArrayLike<number>) => new Set(Array.from({ length: v.length }, (_, i) => i).sort((x, y) => v[y] - v[x] || x - y).slice(0, k));
  const [ta, tb] = [top(a), top(b)];
  let shared = 0;
  for (const i of ta) if (tb.has(i)) shared++;
  return shared / k;
}

export interface Agreement {
  /** Spearman's rank correlation of the two saliencies. */
  rank: number;
  /** Overlap of their top 20% samples. */
  top20: number;
}

export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): Agreement {
  return { rank: rankCorrelation(a, b), top20: topOverlap(a, b, 0.2) };
}

export function meanAgreement(all: readonly Agreement[]): Agreement | null {
  if (all.length === 0) return null;
  return { rank: all.reduce((s, a) => s + a.rank, 0) / all.length, top20: all.reduce((s, a) => s + a.top20, 0) / all.length };
}
