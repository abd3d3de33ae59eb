import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCinc2017Dataset, readCincRecord } from '../../src/data/cinc2017.js';
import { readDataset, writeDataset } from '../../src/data/dataset.js';
import { requireModelClasses } from '../../src/data/model-data.js';
import { resampleLinear } from '../../src/data/preprocess.js';
import { buildRhythmDataset } from '../../src/data/rhythm.js';
import { buildUnlabelledDataset } from '../../src/data/unlabelled.js';
import { physical, readCpscRecord, readRecord } from '../../src/data/wfdb/index.js';
import { EcgcError } from '../../src/errors.js';
import { loadModel } from '../../src/model/load.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { CINC2017, CPSC, MITDB, SVDB, hasData } from '../helpers/data.js';

const WINDOW = 3600; // 10 s at 360 Hz

function expectUserError(fn: () => unknown, message: RegExp): void {
  expect(fn).toThrow(EcgcError);
  expect(fn).toThrow(message);
}

describe.skipIf(!hasData(MITDB, 'unlabelled MIT-BIH tests'))('unlabelled windows of MIT-BIH', () => {
  const pretrain = buildUnlabelledDataset(MITDB, 'pretrain');

  it("'pretrain' leaves out exactly the records the rhythm tasks hold out for validation and test", () => {
    const heldOut = ['record-val', 'record-test'].flatMap((s) => buildRhythmDataset(MITDB, s, 'rhythm-stream').meta.records);
    expect(heldOut.length).toBeGreaterThan(0);
    expect(pretrain.meta.records.filter((r) => heldOut.includes(r))).toEqual([]);
    expect(pretrain.meta.records.length + heldOut.length).toBe(48);
    expect(buildUnlabelledDataset(MITDB, 'all').meta.records).toHaveLength(48);
  });

  it('every lead of every record in consecutive 10-s windows at 360 Hz in mV, without labels', () => {
    const records = pretrain.meta.records.map((r) => readRecord(MITDB, r));
    const expected = records.reduce((n, r) => n + r.header.signals.length * Math.floor(r.header.sampleCount / WINDOW), 0);
    expect(pretrain.shape).toEqual([expected, 1, WINDOW]);
    expect(pretrain.meta.classes).toEqual([]);
    expect([...new Set(pretrain.y)]).toEqual([-1]);
    // The first record's second lead starts after its first lead's whole windows.
    const first = records[0];
    const perLead = Math.floor(first.header.sampleCount / WINDOW);
    expectBitExact(pretrain.x.subarray(0, WINDOW), physical(first, 0).subarray(0, WINDOW), 'lead 0, window 0');
    expectBitExact(pretrain.x.subarray(perLead * WINDOW, (perLead + 1) * WINDOW), physical(first, 1).subarray(0, WINDOW), 'lead 1, window 0');
  });

  it('is written and read back as an unlabelled dataset, which a labelled command refuses by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecgc-unlabelled-'));
    try {
      const small = { ...pretrain, x: pretrain.x.subarray(0, 2 * WINDOW), shape: [2, 1, WINDOW] as [number, number, number], y: pretrain.y.subarray(0, 2) };
      writeDataset(join(dir, 'd'), small);
      const read = readDataset(join(dir, 'd'));
      expect(read.meta.classes).toEqual([]);
      expect([...read.y]).toEqual([-1, -1]);
      const graph = loadModel('examples/patch-rhythm/model.onnx');
      expectUserError(() => requireModelClasses(graph, 'model.onnx', join(dir, 'd'), read.meta.classes, true), /is unlabelled \(no classes\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasData(CINC2017, 'unlabelled CinC 2017 tests'))('unlabelled windows of CinC 2017', () => {
  it("'pretrain' holds the cinc2017 task's training records only, each cut into whole 10-s windows resampled from 300 Hz", () => {
    const pretrain = buildUnlabelledDataset(CINC2017, 'pretrain');
    const test = new Set(buildCinc2017Dataset(CINC2017, 'test').meta.records);
    expect(pretrain.meta.records.filter((r) => test.has(r))).toEqual([]);
    expect(pretrain.meta.records).toHaveLength(5760); // 70% of this copy's 8,228 records
    const name = pretrain.meta.records[0];
    const { header, signals } = readCincRecord(CINC2017, name);
    const mv = resampleLinear(Float32Array.from(signals[0], (v) => (v - header.signals[0].baseline) / header.signals[0].gain), 300, 360);
    const windows = Math.floor(mv.length / WINDOW);
    expect(windows).toBeGreaterThan(0);
    expectBitExact(pretrain.x.subarray(0, windows * WINDOW), mv.subarray(0, windows * WINDOW), name);
  });
});

describe.skipIf(!hasData(SVDB, 'unlabelled SVDB tests') || !hasData(CPSC, 'unlabelled CPSC tests'))('unlabelled windows of SVDB and CPSC 2018', () => {
  it('SVDB: no record held out (no labelled task splits it), both leads resampled from 128 Hz', () => {
    const svdb = buildUnlabelledDataset(SVDB, 'pretrain');
    expect(svdb.meta.records).toEqual(buildUnlabelledDataset(SVDB, 'all').meta.records);
    expect(svdb.meta.preprocessing.resample).toEqual({ from: 128, to: 360 });
    const first = readRecord(SVDB, svdb.meta.records[0]);
    expectBitExact(svdb.x.subarray(0, WINDOW), resampleLinear(physical(first, 0), 128, 360).subarray(0, WINDOW), 'first window');
  });

  it('CPSC 2018: each of the twelve leads, resampled from 500 Hz', () => {
    const cpsc = buildUnlabelledDataset(CPSC, 'all');
    expect(cpsc.meta.leads).toHaveLength(12);
    const { header, signals } = readCpscRecord(CPSC, cpsc.meta.records[0]);
    const windows = Math.floor(Math.floor((header.sampleCount * 360) / 500) / WINDOW);
    const lead = (c: number) => resampleLinear(Float32Array.from(signals[c], (v) => (v - header.signals[c].baseline) / header.signals[c].gain), 500, 360);
    expectBitExact(cpsc.x.subarray(windows * WINDOW, (windows + 1) * WINDOW), lead(1).subarray(0, WINDOW), 'lead 2, window 0');
  });
});

describe('unlabelled windows: bad input', () => {
  it('refuses a folder without records and an unknown split', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecgc-unlabelled-'));
    try {
      expectUserError(() => buildUnlabelledDataset(dir, 'pretrain'), /no ECG records found/);
      expectUserError(() => buildUnlabelledDataset(dir, 'train'), /task unlabelled has splits pretrain, all; got 'train'/);
      expectUserError(() => buildUnlabelledDataset(join(dir, 'missing'), 'all'), /data directory not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
