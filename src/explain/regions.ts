/**
 * Where a beat's saliency lies: its share in fixed intervals around the R peak, for a task
 * whose windows put the R peak at a known sample (the beat tasks). The intervals are a
 * resting heart's, not delineated waves: P [-250, -80) ms, QRS [-50, +50] ms and
 * T [+150, +400] ms from the R peak, each clipped to the window.
 */

export const REGIONS_MS = { p: [-250, -80], qrs: [-50, 50], t: [150, 400] } as const;

export type Region = keyof typeof REGIONS_MS;
export const REGION_NAMES: Record<Region, string> = { p: 'P wave', qrs: 'QRS (R ± 50 ms)', t: 'T wave' };

/** Each region's samples [from, to) in a window of `length` samples at `rate` Hz with the R peak at sample `rPeakAt`. */
export type Regions = Record<Region, [number, number]>;

export function regionsOf(rPeakAt: number | undefined, rate: number, length: number): Regions | null {
  if (rPeakAt === undefined) return null;
  const at = (ms: number) => Math.min(length, Math.max(0, rPeakAt + Math.round((ms * rate) / 1000)));
  const range = ([from, to]: readonly [number, number], inclusive: boolean): [number, number] => [at(from), Math.min(length, at(to) + (inclusive ? 1 : 0))];
  return { p: range(REGIONS_MS.p, false), qrs: range(REGIONS_MS.qrs, true), t: range(REGIONS_MS.t, true) };
}

/** The share of a window's positive saliency (evidence for the class) in each region; null without any. */
export function regionShares(saliency: ArrayLike<number>, regions: Regions): Record<Region, number> | null {
  let total = 0;
  for (let t = 0; t < saliency.length; t++) total += Math.max(0, saliency[t]);
  if (total === 0) return null;
  const share = ([from, to]: [number, number]) => {
    let sum = 0;
    for (let t = from; t < to; t++) sum += Math.max(0, saliency[t]);
    return sum / total;
  };
  return { p: share(regions.p), qrs: share(regions.qrs), t: share(regions.t) };
}
