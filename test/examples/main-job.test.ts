/**
 * The README's main job (`npm run example`, examples/main-job.sh): its ten real MIT-BIH beats are
 * what sources.csv says they are, small enough to ship, and the job runs end to end: the
 * compressed V2 classifies them as labelled, the C fits the patch's budget and equals the
 * reference bit for bit on the host and, with the Cortex-M tools, under QEMU.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BEAT_WINDOW } from '../../src/data/beats.js';
import { readDataset } from '../../src/data/dataset.js';
import { mliiChannel } from '../../src/data/mitdb.js';
import { zscore } from '../../src/data/preprocess.js';
import { physical, readAnnotations, readRecord } from '../../src/data/wfdb/index.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { MITDB, hasData } from '../helpers/data.js';
import { EXAMPLES } from '../helpers/examples.js';

const BEATS = join(EXAMPLES, 'mitdb-beats');
const ROOT = join(EXAMPLES, '..');

describe('the main-job example', () => {
  it('ships at most 16 KB of beats, two of each class', () => {
    const bytes = ['X.npy', 'y.npy'].reduce((sum, f) => sum + statSync(join(BEATS, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(16 * 1024);
    const { y, meta } = readDataset(BEATS);
    expect([...y]).toEqual(meta.classes.flatMap((_, k) => [k, k]));
  });

  it.runIf(hasData(MITDB, 'the example beats against MIT-BIH'))('holds the MIT-BIH windows sources.csv names, bit for bit', () => {
    const { x, y, meta } = readDataset(BEATS);
    const rows = readFileSync(join(BEATS, 'sources.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(y.length);
    rows.forEach((row, i) => {
      const [record, sample, label] = row.split(',');
      expect(meta.classes[y[i]]).toBe(label);
      const wfdb = readRecord(MITDB, record);
      const beat = readAnnotations(MITDB, record).find((a) => a.sample === Number(sample));
      expect(beat, `${record}@${sample} is an annotated beat`).toBeDefined();
      const start = Number(sample) - BEAT_WINDOW.before;
      const window = physical(wfdb, mliiChannel(wfdb)!).slice(start, start + BEAT_WINDOW.samples);
      zscore(window);
      expectBitExact(window, x.subarray(i * BEAT_WINDOW.samples, (i + 1) * BEAT_WINDOW.samples), `${record}@${sample}`);
    });
  });

  it('the command line is npx ecgc after npm ci, and npm warns of no project config', async () => {
    const run = await execa('npx', ['--no-install', 'ecgc', '--version'], { cwd: ROOT, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(run.stderr).not.toContain('Unknown project config');
  });

  it('runs end to end: every beat right, the C in budget and bit-exact', async () => {
    const cortex = await cortexToolsAvailable('main-job example (Cortex-M steps)');
    const job = await execa('bash', ['examples/main-job.sh'], { cwd: ROOT, reject: false, all: true });
    expect(job.exitCode, job.all).toBe(0);
    expect(job.stdout).toContain('accuracy 100.00%');
    expect(job.stdout).toMatch(/bit-exact: 10 inputs \(examples\/mitdb-beats\/X\.npy\) x \[5\] outputs, gcc -O0 -O2 -O3/);
    if (cortex) expect(job.stdout).toMatch(/bit-exact: 10 inputs .* on cortex-m4f/);
    else expect(job.stdout).toContain('Cortex-M4F under QEMU: skipped');
  }, 300_000);
});
