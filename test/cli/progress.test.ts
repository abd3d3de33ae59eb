/**
 * Progress reporting (src/cli/progress.ts): a bar on a terminal, quiet periodic lines
 * elsewhere, and never a lost result: the CLI driven through a pseudo-terminal that reports
 * 0 columns (util-linux `script`) completes a compress and writes its plan.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { progressReporter } from '../../src/cli/progress.js';
import { CLI, ROOT } from '../helpers/cli.js';
import { BEATNET, writeBeatnetDataset } from '../helpers/compress.js';
import { scriptAvailable } from '../helpers/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stream that keeps what is written to it, a terminal of `columns` or not a terminal. */
function capture(tty: boolean, columns?: number) {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty, columns, cursorTo: () => true, clearLine: () => true, clearScreenDown: () => true, moveCursor: () => true });
  return { stream, text: () => chunks.join('') };
}

describe('progress without a terminal', () => {
  it('writes one line per interval, with the elapsed time and an estimate of the time left', () => {
    let now = 0;
    const out = capture(false);
    const progress = progressReporter('sweep', { stream: out.stream, intervalSeconds: 30, now: () => now });
    for (let step = 0; step <= 100; step++) {
      now = step * 1000; // a step a second: 100 s
      progress.update(step, 100, `row ${step}`);
    }
    progress.log('a log line');
    progress.end();
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'sweep: 30% (30/100, row 30), 30s elapsed, about 1m10s left',
      'sweep: 60% (60/100, row 60), 1m00s elapsed, about 40s left',
      'sweep: 90% (90/100, row 90), 1m30s elapsed, about 10s left',
      'a log line',
    ]);
  });

  it('estimates each phase (a new total) on its own', () => {
    let now = 0;
    const out = capture(false);
    const progress = progressReporter('compress', { stream: out.stream, intervalSeconds: 0, now: () => now });
    now = 60_000;
    progress.update(6, 6, 'sensitivity'); // the first phase: a minute
    now = 61_000;
    progress.update(1, 10, 'search'); // the second: a second a step
    expect(out.text()).toContain('compress: 10% (1/10, search), 1m01s elapsed, about 9s left');
  });
});

describe('progress on a terminal', () => {
  for (const columns of [0, undefined, 20]) {
    it(`draws and clears a bar on a terminal of ${columns} columns without failing`, async () => {
      const out = capture(true, columns);
      const progress = progressReporter('compress', { stream: out.stream });
      progress.log('before any step');
      for (let step = 0; step <= 10; step++) progress.update(step, 10, `layer ${step}`);
      await new Promise((resolve) => setTimeout(resolve, 150)); // a redraw
      progress.log('epoch 1');
      progress.update(3, 5, 'a new phase');
      await new Promise((resolve) => setTimeout(resolve, 150));
      progress.log('the last line, just before the end');
      progress.end();
      expect(out.text()).toMatch(/compress \[#+-*\] \d+% \| \d+s elapsed/);
      for (const line of ['before any step', 'epoch 1', 'the last line, just before the end']) expect(out.text()).toContain(`${line}\n`);
      expect(out.text()).toContain('a new phase');
    });
  }
});

/** `word` as one word of a POSIX shell command line, whatever it holds. */
const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

describe.runIf(scriptAvailable('the pseudo-terminal progress test'))('ecgc compress on a terminal of 0 columns', () => {
  it('completes with exit 0 and writes the plan, its report and page', async () => {
    const data = writeBeatnetDataset(join(dir, 'val'), 300, 31);
    const plan = join(dir, 'plan.json');
    // this process's node, as helpers/cli.ts runs ecgc, not whichever node PATH finds
    const ecgcCommand = [process.execPath, CLI, 'compress', BEATNET, '--data', data, '--method', 'laq+lap', '--max-drop', '1', '--out', plan];
    const command = `stty cols 0 rows 0; ${ecgcCommand.map(shellQuote).join(' ')}`;
    const result = await execa('script', ['-qec', command, '/dev/null'], { reject: false, cwd: ROOT });
    expect(result.stdout).not.toMatch(/RangeError|internal error/);
    expect(result.stdout).toMatch(/compress \[#*-*\] \d+%/); // the bar was drawn
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(plan, 'utf8')).schema).toBe('ecgc.plan/1');
    expect(existsSync(join(dir, 'plan.md')) && existsSync(join(dir, 'plan.html'))).toBe(true);
  }, 60_000);
});
