/**
 * The beat models' cards show their explanations (examples/common/explanations.ts): each
 * `ecgc explain` run again on the test split rebuilt from ../shared/data gives the card's
 * figures exactly (per class the shares about the R peak, float and compressed, and their
 * agreement), the card's plot file byte for byte, and the README's table of them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES, RUNS, cardFigures, explainRun, explanationTable, writeSplit } from '../../examples/common/explanations.js';
import { SHARED_DATA, hasData } from '../helpers/data.js';

const haveData = hasData(join(SHARED_DATA, 'mitdb'), "the cards' explanations");
const dir = mkdtempSync(join(tmpdir(), 'ecgc-explanations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const splits = new Map<string, string>();

describe.runIf(haveData)("the beat models' explanations in their cards", () => {
  for (const run of RUNS) {
    it(`${run.example}: ${run.method} on ${run.task} ${run.split}${run.plan ? `, float beside ${run.plan}` : ''}`, async () => {
      const key = `${run.task} ${run.split}`;
      if (!splits.has(key)) splits.set(key, writeSplit(SHARED_DATA, run.task, run.split, dir));
      const { report, svg } = await explainRun(run, splits.get(key)!);
      const card = JSON.parse(readFileSync(join(EXAMPLES, run.example, 'card.json'), 'utf8'));
      const shown = card.explanations.find((e: { method: string }) => e.method === run.method);
      expect(shown, `${run.example}/card.json shows ${run.method}`).toEqual(cardFigures(run, report));
      expect(readFileSync(join(EXAMPLES, run.example, shown.figure), 'utf8')).toBe(svg);
      expect(readFileSync(join(EXAMPLES, run.example, 'README.md'), 'utf8')).toContain(explanationTable(shown));
      if (run.method === 'shap') for (const w of report.windows) expect(Math.abs(w.efficiency!.sum - w.efficiency!.expected)).toBeLessThan(1e-6);
    }, 300_000);
  }
});
