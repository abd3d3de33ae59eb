/** Deterministic train/val/test splits: stratified by window, or by record. */
import { fail } from '../errors.js';

export const PARTS = ['train', 'val', 'test'] as const;
export type Part = (typeof PARTS)[number];

/** A seeded generator (the same split on every machine). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * Stratified by window: within each class, a seeded shuffle, then the first `fractions.test`
 * to test, the next `fractions.val` to val, the rest to train. Returns the part of each window.
 */
export function stratifiedSplit(labels: Int32Array, classes: number, fractions: { val: number; test: number }, seed: number): Part[] {
  const random = seededRandom(seed);
  const parts = new Array<Part>(labels.length).fill('train');
  for (let c = 0; c < classes; c++) {
    const members = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) members.push(i);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    const test = Math.round(members.length * fractions.test);
    const val = Math.round(members.length * fractions.val);
    members.forEach((m, i) => (parts[m] = i < test ? 'test' : i < test + val ? 'val' : 'train'));
  }
  return parts;
}

/**
 * By record (no record in two parts): classes from rarest to commonest, each part takes
 * unassigned records holding that class, largest count first, until it holds its fraction
 * of the class's windows. What is left goes to train. Deterministic; a class found in a
 * single record cannot be in every part, and says so.
 */
export function recordSplit(countsByRecord: Map<string, number[]>, classNames: string[], fractions: { val: number; test: number }): Map<string, Part> {
  const assignment = new Map<string, Part>();
  const totals = classNames.map((_, c) => [...countsByRecord.values()].reduce((sum, counts) => sum + counts[c], 0));
  const order = classNames.map((_, c) => c).filter((c) => totals[c] > 0).sort((a, b) => totals[a] - totals[b]);
  for (const c of order) {
    const holders = [...countsByRecord.entries()].filter(([, counts]) => counts[c] > 0);
    if (holders.length < 3) fail(`class '${classNames[c]}' occurs in ${holders.length} record(s) only; a split by record cannot put it in train, val and test`);
    for (const part of ['test', 'val'] as const) {
      const held = () => [...assignment].filter(([, p]) => p === part).reduce((sum, [r]) => sum + countsByRecord.get(r)![c], 0);
      const target = totals[c] * fractions[part];
      while (held() < target) {
        const candidates = holders.filter(([r]) => !assignment.has(r));
        // Keep at least one record of the class for training.
        if (candidates.length <= 1) break;
        const need = target - held();
        candidates.sort(([ra, a], [rb, b]) => Math.abs(a[c] - need) - Math.abs(b[c] - need) || ra.localeCompare(rb));
        assignment.set(candidates[0][0], part);
      }
    }
  }
  for (const record of countsByRecord.keys()) if (!assignment.has(record)) assignment.set(record, 'train');
  return assignment;
}
