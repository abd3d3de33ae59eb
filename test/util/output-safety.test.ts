/**
 * Output safety (src/util/files.ts): every command that writes refuses an existing output
 * without --force, and --force never deletes files ecgc did not write; outputs are written
 * whole or not at all.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputFile, writeDirectoryAtomic } from '../../src/util/files.js';
import { encodeNpy } from '../../src/util/npy.js';
import { ecgc, expectOneLine, strays } from '../helpers/cli.js';
import { BEATNET, beatnetDataset, writeBeatnetDataset } from '../helpers/compress.js';
import { MITDB, hasData } from '../helpers/data.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-outputs-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => writeBeatnetDataset(data, 40, 5));

/** A user's project folder: what --force must never delete. */
function userFolder(name: string): string {
  const folder = join(dir, name);
  mkdirSync(join(folder, 'src'), { recursive: true });
  writeFileSync(join(folder, 'src', 'main.c'), 'int main(void) { return 0; }\n');
  writeFileSync(join(folder, 'NOTES.md'), 'notes\n');
  return folder;
}

function expectUserFilesKept(folder: string): void {
  expect(readFileSync(join(folder, 'src', 'main.c'), 'utf8')).toBe('int main(void) { return 0; }\n');
  expect(readFileSync(join(folder, 'NOTES.md'), 'utf8')).toBe('notes\n');
  expect(readdirSync(folder).sort()).toEqual(['NOTES.md', 'src']);
}

describe('directory outputs (data, sweep, compile)', () => {
  const writers: { name: string; args: (out: string) => string[]; owned: string }[] = [
    { name: 'compile', args: (out) => ['compile', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host', '--out', out], owned: 'ecgc.mk' },
    { name: 'sweep', args: (out) => ['sweep', BEATNET, '--data', data, '--out', out, '--no-sensitivity', '--max-drop', '5'], owned: 'sweep.json' },
  ];
  if (hasData(MITDB, 'data --force')) writers.push({ name: 'data', args: (out) => ['data', MITDB, '--task', 'beats-nlrav', '--split', 'record-val', '--out', out], owned: 'meta.json' });

  for (const writer of writers) {
    it(`${writer.name} refuses a folder with other files, with and without --force, and keeps them`, async () => {
      const folder = userFolder(`user-${writer.name}`);
      expectOneLine(await ecgc(writer.args(folder)), /exists and is not empty; pass --force to replace it/);
      expectUserFilesKept(folder);
      expectOneLine(await ecgc([...writer.args(folder), '--force']), /holds files ecgc did not write \(NOTES\.md, src\/main\.c\); --force only replaces/);
      expectUserFilesKept(folder);
    }, 120_000);

    it(`${writer.name} replaces its own output only with --force`, async () => {
      const out = join(dir, `own-${writer.name}`);
      expect((await ecgc(writer.args(out))).exitCode).toBe(0);
      const stale = join(out, writer.owned);
      writeFileSync(stale, 'stale');
      expectOneLine(await ecgc(writer.args(out)), /exists and is not empty; pass --force/);
      expect(readFileSync(stale, 'utf8')).toBe('stale');
      const forced = await ecgc([...writer.args(out), '--force']);
      expect(forced.exitCode).toBe(0);
      expect(readFileSync(stale, 'utf8')).not.toBe('stale');
      expect(strays(dir)).toEqual([]);
    }, 120_000);
  }

  it('compile --out <an existing file> is one clear line, exit 1', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'mine');
    expectOneLine(await ecgc(['compile', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host', '--out', file]), /a-file: is a file, not a directory/);
    expectOneLine(await ecgc(['compile', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host', '--out', file, '--force']), /a-file: is a file, not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('compile --force keeps replacing a folder of code it generated under another --name', async () => {
    const out = join(dir, 'renamed');
    expect((await ecgc(['compile', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host', '--out', out, '--name', 'first'])).exitCode).toBe(0);
    expect((await ecgc(['compile', fixturePath('mobilenet1d', 'model.onnx'), '--target', 'host', '--out', out, '--name', 'second', '--force'])).exitCode).toBe(0);
    expect(existsSync(join(out, 'first.c'))).toBe(false);
    expect(existsSync(join(out, 'second.c'))).toBe(true);
  });
});

describe('file outputs (run, compress, finetune)', () => {
  it('run --output refuses an existing file without --force and replaces it with --force', async () => {
    const x = join(dir, 'x.npy');
    const d = beatnetDataset(3, 9);
    writeFileSync(x, encodeNpy(d.shape, d.x));
    const y = join(dir, 'y.npy');
    writeFileSync(y, 'mine');
    expectOneLine(await ecgc(['run', BEATNET, '--input', x, '--output', y]), /y\.npy: exists; pass --force to replace it/);
    expect(readFileSync(y, 'utf8')).toBe('mine');
    expect((await ecgc(['run', BEATNET, '--input', x, '--output', y, '--force'])).exitCode).toBe(0);
    expect(readFileSync(y).subarray(1, 6).toString()).toBe('NUMPY');
  });

  it('compress refuses an existing plan, plan.md or plan.html before searching, and replaces them with --force', async () => {
    const plan = join(dir, 'plan.json');
    const args = ['compress', BEATNET, '--data', data, '--method', 'fixed-q:8', '--out', plan];
    for (const existing of ['plan.json', 'plan.md', 'plan.html']) {
      writeFileSync(join(dir, existing), 'mine');
      const refused = await ecgc(args);
      expectOneLine(refused, new RegExp(`${existing.replace('.', '\\.')}: exists; pass --force to replace it`));
      expect(refused.stderr).not.toMatch(/calibration:/); // refused before the search
      expect(readFileSync(join(dir, existing), 'utf8')).toBe('mine');
      rmSync(join(dir, existing));
    }
    writeFileSync(plan, 'mine');
    expect((await ecgc([...args, '--force'])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(plan, 'utf8')).schema).toBe('ecgc.plan/1');
  });

  it('finetune refuses an existing plan or model before training', async () => {
    const model = join(dir, 'tuned.onnx');
    writeFileSync(model, 'mine');
    const result = await ecgc(['finetune', BEATNET, '--plan', join(dir, 'no-plan.json'), '--train', data, '--data', data, '--out', join(dir, 'tuned.json'), '--python', '/bin/true']);
    expectOneLine(result, /tuned\.onnx: exists; pass --force to replace it/);
    expect(readFileSync(model, 'utf8')).toBe('mine');
  });
});

describe('the helpers', () => {
  it('refuse an output under a directory that does not exist, or a directory given as a file', () => {
    expect(() => checkOutputFile(join(dir, 'missing', 'plan.json'), true)).toThrow(/the directory .*missing does not exist/);
    expect(() => checkOutputFile(dir, true)).toThrow(/is a directory; give a file name/);
  });

  it('write a directory whole: a failure keeps the old one and leaves no temporary', () => {
    const out = join(dir, 'whole');
    writeDirectoryAtomic(out, new Map([['a.txt', 'one']]), false, () => true);
    // a file where a directory must go: the write fails after part of the new content is written
    const failing = new Map([['b.txt', 'two'], ['b.txt/c.txt', 'three']]);
    expect(() => writeDirectoryAtomic(out, failing, true, () => true)).toThrow(/whole: cannot write/);
    expect(readdirSync(out)).toEqual(['a.txt']);
    expect(strays(dir)).toEqual([]);
  });
});
