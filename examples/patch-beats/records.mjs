// Writes each record's beat windows (beats-aami, split 'all' of a folder holding only that record)
// as <out>/<record>.f32, so that train.py can tell which record each beat of a built dataset comes
// from (by matching the windows) and hold out whole records (patients) for validation.
//   node examples/patch-beats/records.mjs <WFDB folder> <out folder> [record ...]
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBeatDataset } from '../../dist/data/beats.js';
import { listRecords } from '../../dist/data/mitdb.js';

const [source, out, ...wanted] = process.argv.slice(2);
const dir = resolve(source);
mkdirSync(out, { recursive: true });
const files = readdirSync(dir);
for (const name of wanted.length > 0 ? wanted : listRecords(dir)) {
  const one = mkdtempSync(join(tmpdir(), 'ecgc-record-'));
  for (const f of files.filter((f) => f.startsWith(`${name}.`))) symlinkSync(join(dir, f), join(one, f));
  try {
    const data = buildBeatDataset(one, 'beats-aami', 'all');
    writeFileSync(join(out, `${name}.f32`), Buffer.from(data.x.buffer, data.x.byteOffset, data.x.byteLength));
    console.log(name, data.shape[0]);
  } catch (e) {
    console.log(name, 'skipped:', e.message);
  } finally {
    rmSync(one, { recursive: true, force: true });
  }
}
