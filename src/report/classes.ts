/** Per-class recall of a plan beside its full model's, as table rows for every report of a plan. */
import type { FigurePair, Plan } from '../plan/plan.js';

/** A fraction as percent with two decimals ('-' for none), as every report prints one. */
export const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(2));
const change = (points: number) => `${points >= 0 ? '+' : ''}${points.toFixed(2)}`;

/**
 * One row per class: support, the full model's recall, the plan's and the change in points, on
 * the search data and (when reported) the test data; null when the figures predate per-class
 * recall. Unlabelled search data's recall is against the full model's classes (agreement).
 * Classes no window has in any set are left out (`omitted` counts them): label-free, every
 * output is a class, tens of thousands for a transformer's hidden states.
 */
export function classRecallTable(figures: Plan['figures']): { header: string[]; rows: string[][]; omitted: number } | null {
  const sets: [string, FigurePair][] = [[figures.labelFree ? 'agreement' : 'recall', figures.data]];
  if (figures.test) sets.push(['test recall', figures.test]);
  if (sets.some(([, pair]) => !pair.baseline.perClass || !pair.final.perClass)) return null;
  const header = ['class', ...sets.flatMap(([name]) => [`${name}: support`, 'full model %', 'plan %', 'change'])];
  const shown = figures.data.baseline.perClass!.map((_, i) => i).filter((i) => sets.some(([, pair]) => pair.baseline.perClass![i].support > 0));
  const rows = shown.map((i) => [
    figures.data.baseline.perClass![i].name,
    ...sets.flatMap(([, pair]) => {
      const full = pair.baseline.perClass![i];
      const plan = pair.final.perClass![i];
      return [String(full.support), pct(full.recall), pct(plan.recall), change(100 * (plan.recall - full.recall))];
    }),
  ]);
  return { header, rows, omitted: figures.data.baseline.perClass!.length - shown.length };
}

/** The line under a class recall table that says what it leaves out ('' when nothing). */
export function omittedClasses(omitted: number): string {
  return omitted === 0 ? '' : `(${omitted} classes without a window in any set not shown)`;
}
