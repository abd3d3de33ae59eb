/**
 * Ctrl-C (SIGINT) and SIGTERM in the middle of long commands (src/util/interrupt.ts): the
 * command exits non-zero, leaves no output that looks complete and no temporaries, beside the
 * output or in the temporary directory (TMPDIR, one per test), and no child process (the
 * torch trainer) behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecgc } from '../helpers/cli.js';
import { BEATNET, writeBeatnetDataset } from '../helpers/compress.js';
import { MITDB, hasData } from '../helpers/data.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-interrupt-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => writeBeatnetDataset(data, 1500, 7));

/**
 * Starts `args` with TMPDIR `temporary`, and sends `signal` `delay` ms after stderr shows `cue`
 * (after the start without a cue); the command must still be running then.
 */
async function interrupt(args: string[], signal: NodeJS.Signals, cue: RegExp | null, delay: number, temporary: string) {
  mkdirSync(temporary, { recursive: true });
  const child = ecgc(args, { env: { TMPDIR: temporary } });
  let stderr = '';
  let sent = false;
  const send = () => {
    sent = true;
    setTimeout(() => child.kill(signal), delay);
  };
  if (cue === null) send();
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
    if (!sent && cue?.test(stderr)) send();
  });
  const result = await child;
  expect(sent, `never saw ${cue} in: ${stderr}`).toBe(true);
  expect(result.stderr).not.toMatch(/^wrote /m); // interrupted before it finished
  return result;
}

/** What the writers leave beside their outputs while they write (*.tmp-<pid>, *.old-<pid>). */
const strays = () => readdirSync(dir).filter((f) => /\.(tmp|old)-\d+$/.test(f));

describe('an interrupted command', () => {
  it('sweep (SIGINT, mid-search): exit 130, no sweep directory, no temporaries', async () => {
    const out = join(dir, 'sweep');
    const result = await interrupt(['sweep', BEATNET, '--data', data, '--out', out], 'SIGINT', /calibration:/, 1500, join(dir, 'tmp-sweep'));
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toMatch(/ecgc: interrupted \(SIGINT\)/);
    expect(existsSync(out)).toBe(false);
    expect(strays()).toEqual([]);
    expect(readdirSync(join(dir, 'tmp-sweep'))).toEqual([]);
  }, 60_000);

  it('compress (SIGTERM, mid-search): exit 143, no plan, no temporaries', async () => {
    const plan = join(dir, 'plan.json');
    const result = await interrupt(['compress', BEATNET, '--data', data, '--method', 'laq', '--sensitivity', '--out', plan], 'SIGTERM', /calibration:/, 1000, join(dir, 'tmp-compress'));
    expect(result.exitCode).toBe(143);
    expect(readdirSync(dir).filter((f) => f.startsWith('plan'))).toEqual([]);
    expect(strays()).toEqual([]);
  }, 60_000);

  it.runIf(hasData(MITDB, 'interrupting ecgc data'))('data (SIGINT while the records are read): no dataset, no temporaries', async () => {
    const out = join(dir, 'dataset');
    const result = await interrupt(['data', MITDB, '--task', 'beats-nlrav', '--split', 'random-train', '--out', out], 'SIGINT', null, 700, join(dir, 'tmp-data'));
    expect(result.exitCode === 130 || result.signal === 'SIGINT').toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(strays()).toEqual([]);
  }, 60_000);

  it('verify (SIGINT while gcc builds): its build directory removed', async () => {
    const temporary = join(dir, 'tmp-verify');
    const result = await interrupt(['verify', fixturePath('resnet1d', 'model.onnx'), '--target', 'host'], 'SIGINT', null, 1000, temporary);
    expect(result.stdout).not.toMatch(/bit-exact/); // interrupted before it finished
    expect(result.exitCode === 130 || result.signal === 'SIGINT').toBe(true);
    expect(readdirSync(temporary)).toEqual([]);
  }, 60_000);

  const hasTorch = execaSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { reject: false }).exitCode === 0;
  if (!hasTorch && process.env.CI !== 'true') console.warn('SKIPPING the finetune interrupt test: /usr/bin/python3 cannot import torch and onnx');
  it.runIf(hasTorch || process.env.CI === 'true')('finetune (SIGTERM while torch trains): no model or plan, its work directory removed, the trainer ended', async () => {
    const plan = join(dir, 'q8.json');
    expect((await ecgc(['compress', BEATNET, '--data', data, '--method', 'fixed-q:8', '--out', plan])).exitCode).toBe(0);
    const temporary = join(dir, 'tmp-finetune');
    const tuned = join(dir, 'q8-ft.json');
    const args = ['finetune', BEATNET, '--plan', plan, '--train', data, '--data', data, '--out', tuned, '--epochs', '1000'];
    const result = await interrupt(args, 'SIGTERM', /finetune: before training/, 500, temporary);
    expect(result.exitCode).toBe(143);
    expect(existsSync(tuned) || existsSync(join(dir, 'q8-ft.onnx'))).toBe(false);
    expect(readdirSync(temporary)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the trainer's own exit
    expect(execaSync('pgrep', ['-f', temporary], { reject: false }).stdout).toBe('');
  }, 120_000);
});
