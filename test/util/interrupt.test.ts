/**
 * Ctrl-C (SIGINT) and SIGTERM in the middle of long commands (src/util/interrupt.ts): the
 * command exits through its own handler (130, 143: 'ecgc: interrupted'), leaves no output that looks complete and no temporaries, beside the
 * output or in the temporary directory (TMPDIR, one per test), and no child process (the
 * torch trainer) behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecgc, strays } from '../helpers/cli.js';
import { BEATNET, writeBeatnetDataset } from '../helpers/compress.js';
import { MITDB, hasData } from '../helpers/data.js';
import { fixturePath } from '../helpers/fixtures.js';
import { torchAvailable } from '../helpers/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-interrupt-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => writeBeatnetDataset(data, 1500, 7));

/**
 * For commands that print nothing before the moment to interrupt them: a module node loads
 * before ecgc (--import) that says on stderr when ecgc has installed its SIGINT and SIGTERM
 * handlers (src/util/interrupt.ts exitCleanlyOnInterrupt). A signal sent earlier would find
 * only node's own handlers, and kill the process without ecgc's cleanups.
 */
const HANDLED = 'ecgc-test: signal handlers installed';
const HANDLERS_CUE = new RegExp(HANDLED);
const reportHandlers = `
const on = process.on;
let said = false;
process.on = function (event, listener) {
  const result = on.call(this, event, listener);
  if (!said && process.listenerCount('SIGINT') > 0 && process.listenerCount('SIGTERM') > 0) {
    said = true;
    process.stderr.write(${JSON.stringify(`${HANDLED}
`)});
  }
  return result;
};
`;
const NODE_OPTIONS = [process.env.NODE_OPTIONS, `--import=data:text/javascript;base64,${Buffer.from(reportHandlers).toString('base64')}`].filter(Boolean).join(' ');

/**
 * Starts `args` with TMPDIR `temporary`, and sends `signal` `delay` ms after stderr shows `cue`
 * (HANDLERS_CUE: after ecgc installed its handlers); the command must still be running then.
 */
async function interrupt(args: string[], signal: NodeJS.Signals, cue: RegExp, delay: number, temporary: string) {
  mkdirSync(temporary, { recursive: true });
  const child = ecgc(args, { env: { TMPDIR: temporary, ...(cue === HANDLERS_CUE ? { NODE_OPTIONS } : {}) } });
  let stderr = '';
  let sent = false;
  const send = () => {
    sent = true;
    setTimeout(() => child.kill(signal), delay);
  };
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
    if (!sent && cue.test(stderr)) send();
  });
  const result = await child;
  expect(sent, `never saw ${cue} in: ${stderr}`).toBe(true);
  expect(result.stderr).not.toMatch(/^wrote /m); // interrupted before it finished
  return result;
}

describe('an interrupted command', () => {
  it('sweep (SIGINT, mid-search): exit 130, no sweep directory, no temporaries', async () => {
    const out = join(dir, 'sweep');
    const result = await interrupt(['sweep', BEATNET, '--data', data, '--out', out], 'SIGINT', /calibration:/, 1500, join(dir, 'tmp-sweep'));
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toMatch(/ecgc: interrupted \(SIGINT\)/);
    expect(existsSync(out)).toBe(false);
    expect(strays(dir)).toEqual([]);
    expect(readdirSync(join(dir, 'tmp-sweep'))).toEqual([]);
  }, 60_000);

  it('compress (SIGTERM, mid-search): exit 143, no plan, no temporaries', async () => {
    const plan = join(dir, 'plan.json');
    const result = await interrupt(['compress', BEATNET, '--data', data, '--method', 'laq', '--sensitivity', '--out', plan], 'SIGTERM', /calibration:/, 1000, join(dir, 'tmp-compress'));
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toMatch(/ecgc: interrupted \(SIGTERM\)/);
    expect(readdirSync(dir).filter((f) => f.startsWith('plan'))).toEqual([]);
    expect(strays(dir)).toEqual([]);
  }, 60_000);

  // ecgc data prints nothing while it reads the records (about 1 s for MIT-BIH): the signal goes 200 ms after its handlers are in.
  it.runIf(hasData(MITDB, 'interrupting ecgc data'))('data (SIGINT while the records are read): exit 130, no dataset, no temporaries', async () => {
    const out = join(dir, 'dataset');
    const temporary = join(dir, 'tmp-data');
    const result = await interrupt(['data', MITDB, '--task', 'beats-nlrav', '--split', 'random-train', '--out', out], 'SIGINT', HANDLERS_CUE, 200, temporary);
    expect(result.exitCode, result.stderr).toBe(130); // ecgc's handler, not node killed by the signal
    expect(result.stderr).toMatch(/ecgc: interrupted \(SIGINT\)/);
    expect(existsSync(out)).toBe(false);
    expect(strays(dir)).toEqual([]);
    expect(readdirSync(temporary)).toEqual([]);
  }, 60_000);

  it('verify (SIGINT while gcc builds): exit 130, its build directory removed', async () => {
    const temporary = join(dir, 'tmp-verify');
    const result = await interrupt(['verify', fixturePath('resnet1d', 'model.onnx'), '--target', 'host'], 'SIGINT', HANDLERS_CUE, 500, temporary);
    expect(result.stdout).not.toMatch(/bit-exact/); // interrupted before it finished
    expect(result.exitCode, result.stderr).toBe(130); // ecgc's handler, not node killed by the signal
    expect(result.stderr).toMatch(/ecgc: interrupted \(SIGINT\)/);
    expect(readdirSync(temporary)).toEqual([]);
  }, 60_000);

  it.runIf(torchAvailable('the finetune interrupt test'))('finetune (SIGTERM while torch trains): no model or plan, its work directory removed, the trainer ended', async () => {
    const plan = join(dir, 'q8.json');
    expect((await ecgc(['compress', BEATNET, '--data', data, '--method', 'fixed-q:8', '--out', plan])).exitCode).toBe(0);
    const temporary = join(dir, 'tmp-finetune');
    const tuned = join(dir, 'q8-ft.json');
    const args = ['finetune', BEATNET, '--plan', plan, '--train', data, '--data', data, '--out', tuned, '--epochs', '1000'];
    const result = await interrupt(args, 'SIGTERM', /finetune: before training/, 500, temporary);
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toMatch(/ecgc: interrupted \(SIGTERM\)/);
    expect(existsSync(tuned) || existsSync(join(dir, 'q8-ft.onnx'))).toBe(false);
    expect(readdirSync(temporary)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the trainer's own exit
    const pgrep = execaSync('pgrep', ['-f', temporary], { reject: false });
    expect(pgrep.exitCode, `pgrep: ${pgrep.stdout}${pgrep.stderr}`).toBe(1); // 1: no process matched (0 one did, 2 and up: pgrep failed)
  }, 120_000);
});
