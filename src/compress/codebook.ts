/**
 * Codebook levels for the codebook quantizer (src/plan/quantize.ts): 2^b float32 levels
 * per layer, level 0 exactly 0, the other 2^b - 1 found by k-means (Lloyd) on the layer's
 * kept weights (|w| > threshold).
 *
 * Deterministic: the free levels start evenly spaced over [min, max] of the kept weights
 * (the linear initialisation of Han et al.'s weight sharing, which keeps levels on the rare
 * large weights); each iteration assigns every kept weight to its nearest level (the fixed
 * zero included, so small weights may snap to 0) and moves each free level to the mean of
 * its weights (float64 sums); a level with no weights stays where it is. 1-D k-means on
 * sorted weights: clusters are contiguous ranges, found by binary search of the midpoints.
 * The result is rounded to float32 and sorted, 0 first.
 */

const ITERATIONS = 40;

export function codebookLevels(weights: ArrayLike<number>, bits: number, threshold: number): number[] {
  const kept: number[] = [];
  for (let i = 0; i < weights.length; i++) if (Math.abs(weights[i]) > threshold) kept.push(weights[i]);
  const free = 2 ** bits - 1;
  if (kept.length === 0) return new Array<number>(free + 1).fill(0);
  const sorted = Float64Array.from(kept).sort();
  const prefix = new Float64Array(sorted.length + 1);
  for (let i = 0; i < sorted.length; i++) prefix[i + 1] = prefix[i] + sorted[i];
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  let levels = Array.from({ length: free }, (_, i) => (free === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (free - 1)));

  // First index whose weight is >= value.
  const lowerBound = (value: number) => {
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (sorted[m] < value) a = m + 1;
      else b = m;
    }
    return a;
  };

  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const centres = [...levels.map((value, index) => ({ value, index })), { value: 0, index: -1 }].sort((a, b) => a.value - b.value);
    const next = levels.slice();
    let moved = false;
    for (let c = 0; c < centres.length; c++) {
      const from = c === 0 ? 0 : lowerBound((centres[c - 1].value + centres[c].value) / 2);
      const to = c === centres.length - 1 ? sorted.length : lowerBound((centres[c].value + centres[c + 1].value) / 2);
      if (centres[c].index < 0 || to <= from) continue;
      const mean = (prefix[to] - prefix[from]) / (to - from);
      if (mean !== next[centres[c].index]) moved = true;
      next[centres[c].index] = mean;
    }
    levels = next;
    if (!moved) break;
  }
  return [0, ...levels.map((v) => Math.fround(v)).sort((a, b) => a - b)];
}
