/**
 * Picks the main-job example's input: for each class of beats-nlrav, the first two beats of
 * MIT-BIH's random-test split (never trained or searched on), from two different records, that
 * both the float model and its shipped compressed plan classify correctly. Writes a dataset
 * (X.npy, y.npy, meta.json) and sources.csv (record, R-peak sample, class) beside this file.
 *
 *   ecgc data ../shared/data/mitdb --task beats-nlrav --split random-test --out $D
 *   ecgc run examples/arrhythminet-v2/model.onnx --input $D/X.npy --output full.npy
 *   ecgc run examples/arrhythminet-v2/model-qat.onnx --plan examples/arrhythminet-v2/plan-qat.json --input $D/X.npy --output plan.npy
 *   npx tsx examples/mitdb-beats/make.ts ../shared/data/mitdb $D full.npy plan.npy
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BEAT_TASKS, BEAT_WINDOW, beatWindow } from '../../src/data/beats.js';
import { type DatasetMeta, readDataset } from '../../src/data/dataset.js';
import { listRecords, mliiChannel } from '../../src/data/mitdb.js';
import { physical, readAnnotations, readRecord } from '../../src/data/wfdb/index.js';
import { argmaxRows } from '../../src/compress/metrics.js';
import { encodeNpy, readNpyFloat32 } from '../../src/util/npy.js';

const PER_CLASS = 2;
const [mitdb, testDir, fullFile, planFile] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const test = readDataset(testDir);
const classes = test.meta.classes;
const full = argmaxRows(readNpyFloat32(fullFile).data, classes.length);
const plan = argmaxRows(readNpyFloat32(planFile).data, classes.length);
const samples = BEAT_WINDOW.samples;

// Where each test window comes from: its bits, found again in the records.
const key = (w: Float32Array) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64');
const testIndex = new Map<string, number>();
for (let i = 0; i < test.y.length; i++) testIndex.set(key(test.x.subarray(i * samples, (i + 1) * samples)), i);

const task = BEAT_TASKS['beats-nlrav'];
const chosen: { record: string; sample: number; label: number; window: Float32Array }[] = [];
for (const name of listRecords(mitdb)) {
  const record = readRecord(mitdb, name);
  const channel = mliiChannel(record);
  if (channel === undefined) continue;
  const mv = physical(record, channel);
  for (const beat of readAnnotations(mitdb, name)) {
    const label = task.classOf[beat.code];
    if (label === undefined) continue;
    const taken = chosen.filter((c) => c.label === label);
    if (taken.length >= PER_CLASS || taken.some((c) => c.record === name)) continue;
    const window = beatWindow(mv, beat.sample);
    if (window === undefined) continue;
    const i = testIndex.get(key(window));
    if (i === undefined || full[i] !== label || plan[i] !== label) continue;
    chosen.push({ record: name, sample: beat.sample, label, window });
  }
}
chosen.sort((a, b) => a.label - b.label);
if (chosen.length !== PER_CLASS * classes.length) throw new Error(`found ${chosen.length} beats, wanted ${PER_CLASS * classes.length}`);

const x = new Float32Array(chosen.length * samples);
chosen.forEach((c, i) => x.set(c.window, i * samples));
const meta: DatasetMeta = {
  ...test.meta,
  split: 'example',
  records: [...new Set(chosen.map((c) => c.record))],
  counts: Object.fromEntries(classes.map((c, k) => [c, chosen.filter((b) => b.label === k).length])),
  source: 'MIT-BIH Arrhythmia Database (PhysioNet, ODC-By 1.0)',
  howMade: `${PER_CLASS} beats per class from MIT-BIH's beats-nlrav random-test split (never trained or searched on), from different records, that examples/arrhythminet-v2's float model and plan-qat.json both classify correctly; record and R-peak sample of each in sources.csv (examples/mitdb-beats/make.ts).`,
};
// Written file by file: this folder also holds the script and the README.
writeFileSync(`${here}/X.npy`, encodeNpy([chosen.length, 1, samples], x));
writeFileSync(`${here}/y.npy`, encodeNpy([chosen.length], BigInt64Array.from(chosen, (c) => BigInt(c.label))));
writeFileSync(`${here}/meta.json`, JSON.stringify(meta, null, 2) + '\n');
writeFileSync(`${here}/sources.csv`, ['record,sample,class', ...chosen.map((c) => `${c.record},${c.sample},${classes[c.label]}`)].join('\n') + '\n');
console.log(chosen.map((c) => `${classes[c.label]} ${c.record}@${c.sample}`).join('\n'));
