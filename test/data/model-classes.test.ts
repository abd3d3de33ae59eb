/**
 * A dataset whose classes are not the model's (requireModelClasses, src/data/model-data.ts):
 * eval refuses it, and so does every command that reads labelled windows through
 * readCalibration (compress and sweep --data/--test, finetune --train/--data), instead of
 * scoring the model on labels that mean something else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataset } from '../../src/data/dataset.js';
import { ecgc, expectOneLine } from '../helpers/cli.js';
import { BEATNET, beatnetDataset, writeBeatnetDataset } from '../helpers/compress.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-classes-'));
const aami = join(dir, 'aami');
const nlrav = join(dir, 'nlrav');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  // The same windows, labelled with AAMI's classes: five of them, but not beatnet's N, L, R, A, V.
  const data = beatnetDataset(60, 3);
  writeDataset(aami, { ...data, meta: { ...data.meta, task: 'beats-aami', classes: ['N', 'S', 'V', 'F', 'Q'] } });
  writeBeatnetDataset(nlrav, 60, 3);
});

const MISMATCH = /aami: its classes are N, S, V, F, Q, but .*beatnet\.onnx classifies N, L, R, A, V \(task beats-nlrav\)/;

describe('a dataset of other classes', () => {
  it("eval refuses it in one line, exit 1; the model's own classes pass", async () => {
    const refused = await ecgc(['eval', BEATNET, '--data', aami]);
    expectOneLine(refused, MISMATCH);
    expect(refused.stdout).toBe('');
    expect((await ecgc(['eval', BEATNET, '--data', nlrav])).exitCode).toBe(0);
  });

  it('compress refuses it as --data and as --test, but not with --label-free (the labels unused)', async () => {
    const out = join(dir, 'plan.json');
    for (const args of [['--data', aami], ['--data', nlrav, '--test', aami]]) {
      const result = await ecgc(['compress', BEATNET, ...args, '--method', 'fixed-q:8', '--out', out]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(MISMATCH);
    }
    expect((await ecgc(['compress', BEATNET, '--data', aami, '--label-free', '--method', 'fixed-q:8', '--out', out])).exitCode).toBe(0);
  });
});
