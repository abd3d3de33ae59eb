/** The dataset builders on the real MIT-BIH, CPSC 2018 and CinC 2017 files (../shared/data). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEAT_CODES, BEAT_WINDOW, DS1, DS2, RR_FEATURES, buildBeatDataset, rrFeatures } from '../../src/data/beats.js';
import { buildCinc2017Dataset, readCincRecord } from '../../src/data/cinc2017.js';
import { buildCpscDataset } from '../../src/data/cpsc.js';
import { buildRhythmDataset, rhythmIntervals } from '../../src/data/rhythm.js';
import { resampleLinear, zscore } from '../../src/data/preprocess.js';
import { physical, readAnnotations, readRecord } from '../../src/data/wfdb/index.js';
import { listRecords, mliiChannel } from '../../src/data/mitdb.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { CINC2017, CPSC, MITDB, SVDB, hasData } from '../helpers/data.js';

describe('preprocessing', () => {
  it('z-scores a window to mean 0 and standard deviation ~1', () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => 3 + Math.sin(i / 5));
    zscore(x);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(std).toBeGreaterThan(0.99);
    expect(std).toBeLessThan(1.0);
  });

  it('resamples 360 -> 500 Hz by linear interpolation', () => {
    const x = Float32Array.from({ length: 3600 }, (_, i) => i);
    const y = resampleLinear(x, 360, 500);
    expect(y.length).toBe(5000);
    expect(y[0]).toBe(0);
    expect(y[5]).toBeCloseTo(3.6, 4); // 5 * 360 / 500
  });
});

describe('RR features', () => {
  it('R peaks at 0, 1, 2 and 2.5 s: intervals, the local mean up to the beat, the long mean, ratios; the ends borrow their one neighbour', () => {
    const peaks = [0, 360, 720, 900];
    // each beat hands its long mean to the next: 1, then 1 + (1 - 1) / 64, then 1 + (0.5 - 1) / 64
    const first = rrFeatures(peaks, 0, 360, undefined);
    const second = rrFeatures(peaks, 1, 360, first.long);
    const third = rrFeatures(peaks, 2, 360, second.long);
    const last = rrFeatures(peaks, 3, 360, third.long);
    expect([first.long, second.long, third.long]).toEqual([1, 1, 1]);
    expect(last.long).toBe(1 - 0.5 / 64);
    // previous, next, local mean, previous / local, next / local, previous / next, previous / long, next / long, local / long
    expect(Array.from(first.features)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(third.features)).toEqual([1, 0.5, 1, 1, 0.5, 2, 1, 0.5, 1]);
    const local = Math.fround(2.5 / 3);
    const long = 1 - 0.5 / 64;
    const f = Math.fround;
    expect(Array.from(last.features)).toEqual([0.5, 0.5, local, f(0.5 / local), f(0.5 / local), 1, f(0.5 / long), f(0.5 / long), f(local / long)]);
    // the local mean covers the last 10 intervals: 12 beats a second apart then one 0.5 s early
    const twelve = [...Array.from({ length: 12 }, (_, k) => k * 360), 11 * 360 + 180];
    expect(rrFeatures(twelve, 12, 360, 1).features[2]).toBe(f(3420 / 3600));
  });
});

describe.skipIf(!hasData(MITDB, 'MIT-BIH dataset tests'))('beat datasets (MIT-BIH)', () => {
  const nlrav = Object.fromEntries(['random-train', 'random-val', 'random-test', 'record-train', 'record-val', 'record-test'].map((s) => [s, buildBeatDataset(MITDB, 'beats-nlrav', s)]));

  it('beats-nlrav holds every N, L, R, A, V beat of the MLII records once per split scheme', () => {
    const expected = [0, 0, 0, 0, 0];
    for (const record of listRecords(MITDB)) {
      if (record === '102' || record === '104') continue; // no MLII lead
      for (const a of readAnnotations(MITDB, record)) {
        const c = ['N', 'L', 'R', 'A', 'V'].indexOf(a.code);
        if (c >= 0 && a.sample >= BEAT_WINDOW.before && a.sample - BEAT_WINDOW.before + BEAT_WINDOW.samples <= 650000) expected[c]++;
      }
    }
    for (const scheme of ['random', 'record']) {
      const counts = [0, 0, 0, 0, 0];
      for (const part of ['train', 'val', 'test']) for (const v of nlrav[`${scheme}-${part}`].y) counts[v]++;
      expect(counts).toEqual(expected);
    }
    expect(expected[0]).toBeGreaterThan(70000);
  });

  it('the random split is stratified 80/10/10 within each class', () => {
    const total = (s: string) => nlrav[s].y.length;
    const all = total('random-train') + total('random-val') + total('random-test');
    expect(total('random-test') / all).toBeCloseTo(0.1, 2);
    for (let c = 0; c < 5; c++) {
      const count = (s: string) => nlrav[s].y.filter((v: number) => v === c).length;
      expect(count('random-test') / (count('random-train') + count('random-val') + count('random-test'))).toBeCloseTo(0.1, 2);
    }
  });

  it('the record split puts no record in two parts, and every class in every part', () => {
    const parts = ['record-train', 'record-val', 'record-test'].map((s) => new Set(nlrav[s].meta.records));
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect([...parts[i]].filter((r) => parts[j].has(r))).toEqual([]);
    for (const s of ['record-train', 'record-val', 'record-test']) expect(Object.values(nlrav[s].meta.counts).every((n) => (n as number) > 0)).toBe(true);
  });

  it('windows are [1, 256], z-scored, with the R peak at sample 90, and the build is deterministic', () => {
    const d = nlrav['random-test'];
    expect(d.shape.slice(1)).toEqual([1, 256]);
    expect(d.meta.window.rPeakAt).toBe(90);
    const w = d.x.subarray(0, 256);
    expect(Math.abs(w.reduce((a, b) => a + b, 0) / 256)).toBeLessThan(1e-4);
    const again = buildBeatDataset(MITDB, 'beats-nlrav', 'random-test');
    expectBitExact(again.x, d.x, 'windows');
    expect(Array.from(again.y)).toEqual(Array.from(d.y));
  });

  it('beats-aami uses DS1 for training and DS2 for the test, without paced records', () => {
    const train = buildBeatDataset(MITDB, 'beats-aami', 'ds1-train');
    const test = buildBeatDataset(MITDB, 'beats-aami', 'ds2-test');
    expect(new Set(train.meta.records)).toEqual(new Set(DS1));
    expect(new Set(test.meta.records)).toEqual(new Set(DS2));
    for (const paced of ['102', '104', '107', '217']) expect([...DS1, ...DS2]).not.toContain(paced);
    expect(train.meta.classes).toEqual(['N', 'S', 'V', 'F', 'Q']);
    // every window has its RR features, the second input: the first window's rebuilt from the annotations
    expect(test.meta.inputs).toEqual([expect.objectContaining({ name: 'rr', shape: [RR_FEATURES.length] })]);
    expect(test.more![0].length).toBe(test.y.length * RR_FEATURES.length);
    const record = test.meta.records[0];
    const beats = readAnnotations(MITDB, record).filter((a) => BEAT_CODES.has(a.code));
    const peaks = beats.map((b) => b.sample);
    const first = beats.findIndex((b) => b.sample >= BEAT_WINDOW.before && 'NLRejAaJSVEF/fQ'.includes(b.code));
    let long: number | undefined;
    for (let i = 0; i < first; i++) long = rrFeatures(peaks, i, 360, long).long;
    expectBitExact(test.more![0].subarray(0, RR_FEATURES.length), rrFeatures(peaks, first, 360, long).features, `record ${record}, first beat's RR features`);
  });
});

describe.skipIf(!hasData(MITDB, 'MIT-BIH rhythm tests'))('rhythm dataset (MIT-BIH)', () => {
  it('10-s windows resampled to 500 Hz and padded to 5,120, four classes, split by record', () => {
    const parts = ['record-train', 'record-val', 'record-test'].map((s) => buildRhythmDataset(MITDB, s));
    for (const d of parts) {
      expect(d.shape.slice(1)).toEqual([1, 5120]);
      expect(Object.values(d.meta.counts).every((n) => n > 0)).toBe(true);
      // the 120 padding samples are zeros
      expect(Array.from(d.x.subarray(5000, 5120)).every((v) => v === 0)).toBe(true);
    }
    const records = parts.map((d) => new Set(d.meta.records));
    expect([...records[2]].filter((r) => records[0].has(r) || records[1].has(r))).toEqual([]);
    // AF windows come from the AF records only
    expect(parts.reduce((sum, d) => sum + d.meta.counts['af-flutter'], 0)).toBeGreaterThan(1000);
  });

  it('rhythm-stream: the same windows, split and labels at 360 Hz in mV, not normalised (what a device streams)', () => {
    const zscored = buildRhythmDataset(MITDB, 'record-test');
    const streamed = buildRhythmDataset(MITDB, 'record-test', 'rhythm-stream');
    expect(streamed.shape).toEqual([zscored.shape[0], 1, 3600]);
    expect(Array.from(streamed.y)).toEqual(Array.from(zscored.y));
    expect(streamed.meta.records).toEqual(zscored.meta.records);
    expect(streamed.meta.preprocessing).toEqual({ units: 'mV', resample: null, normalize: null, padTo: null });
    expect(streamed.meta.samplingRate).toBe(360);
    // the first window is the record's samples in mV, as they are: the first record's physical values
    const name = streamed.meta.records[0];
    const record = readRecord(MITDB, name);
    const mv = physical(record, mliiChannel(record)!);
    const start = rhythmIntervals(readAnnotations(MITDB, name), mv.length).find((i) => i.end - i.start >= 3600)!.start;
    expect(Array.from(streamed.x.subarray(0, 3600))).toEqual(Array.from(mv.subarray(start, start + 3600)));
  });
});

describe.skipIf(!hasData(CPSC, 'CPSC 2018 dataset tests'))('cpsc2018 dataset', () => {
  it('150 twelve-lead windows with the first diagnosis as label', () => {
    const d = buildCpscDataset(CPSC, 'all');
    expect(d.shape).toEqual([150, 12, 5120]);
    expect(d.meta.leads).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    expect(Object.values(d.meta.counts).reduce((a, b) => a + b, 0)).toBe(150);
  });
});

describe.skipIf(!hasData(CINC2017, 'CinC 2017 dataset tests'))('cinc2017 dataset', () => {
  const [val, test] = ['val', 'test'].map((s) => buildCinc2017Dataset(CINC2017, s));

  it('one example per record: the first 30 s resampled 300 -> 360 Hz in mV, short records zero-padded', () => {
    expect(test.shape).toEqual([test.meta.records.length, 1, 10800]);
    expect(test.meta.preprocessing).toEqual({ units: 'mV', resample: { from: 300, to: 360 }, normalize: null, padTo: 10800 });
    expect(test.meta.classes).toEqual(['normal', 'af', 'other', 'noisy']);
    const labels = new Map(readFileSync(join(CINC2017, 'REFERENCE.csv'), 'utf8').trim().split(/\r?\n/).map((l) => l.split(',') as [string, string]));
    const codes = ['N', 'A', 'O', '~'];
    test.meta.records.forEach((r, i) => expect(codes[test.y[i]], r).toBe(labels.get(r)));
    // Every example is its record's samples, as the reader gives them: a 30-s one and a short one.
    const short = test.meta.records.findIndex((r) => readCincRecord(CINC2017, r).header.sampleCount < 9000);
    for (const i of [0, short]) {
      const { signals } = readCincRecord(CINC2017, test.meta.records[i]);
      const mv = Float32Array.from(signals[0].subarray(0, 9000), (v) => v / 1000);
      const expected = new Float32Array(10800);
      expected.set(resampleLinear(mv, 300, 360));
      expectBitExact(test.x.subarray(i * 10800, (i + 1) * 10800), expected, `record ${test.meta.records[i]}`);
    }
    expect(test.x[short * 10800 + 10799]).toBe(0);
  });

  it('splits stratified by class over records: 10% val, 20% test, no record in both', () => {
    const inTest = new Set(test.meta.records);
    expect(val.meta.records.filter((r) => inTest.has(r))).toEqual([]);
    const totals = { normal: 4873, af: 709, other: 2372, noisy: 274 }; // this copy's 8,228 records
    for (const [name, total] of Object.entries(totals)) {
      expect(Math.abs(test.meta.counts[name] - 0.2 * total), name).toBeLessThanOrEqual(1);
      expect(Math.abs(val.meta.counts[name] - 0.1 * total), name).toBeLessThanOrEqual(1);
    }
    // The headers' published faults are accepted and counted, record by record.
    const faults = test.meta.records.map((r) => readCincRecord(CINC2017, r).accepted);
    const count = (fault: string) => faults.filter((f) => f.includes(fault)).length;
    expect(test.meta.howMade).toContain(`${count('checksum 0')} with checksum 0, ${count('initial value')} with an initial value unlike the first sample`);
    expect(count('initial value')).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasData(SVDB, 'SVDB dataset tests'))('beats-aami on another folder (SVDB, 128 Hz)', () => {
  it("split 'all': every record's ECG1 resampled to 360 Hz, one window per beat, the R peak moved to the nearest sample", () => {
    const d = buildBeatDataset(SVDB, 'beats-aami', 'all');
    expect(d.meta.records).toHaveLength(59);
    expect(d.meta.samplingRate).toBe(360);
    expect(d.meta.preprocessing.resample).toEqual({ from: 128, to: 360 });
    expect(d.meta.leads).toEqual(['ECG1']);
    expect(d.meta.counts.S).toBeGreaterThan(5000);
    // The first window, rebuilt by hand from the first record's first usable beat.
    const name = d.meta.records[0];
    const record = readRecord(SVDB, name);
    const mv = resampleLinear(physical(record, 0), 128, 360);
    const first = readAnnotations(SVDB, name)
      .map((a) => Math.round((a.sample * 360) / 128))
      .find((r) => r >= BEAT_WINDOW.before && r - BEAT_WINDOW.before + BEAT_WINDOW.samples <= mv.length)!;
    const expected = mv.slice(first - BEAT_WINDOW.before, first - BEAT_WINDOW.before + BEAT_WINDOW.samples);
    zscore(expected);
    expectBitExact(d.x.subarray(0, BEAT_WINDOW.samples), expected, `record ${name}, first beat`);
    // DS1 and DS2 name MIT-BIH records: asked of SVDB, the error says to use 'all'.
    expect(() => buildBeatDataset(SVDB, 'beats-aami', 'ds2-test')).toThrow(/are missing .*use the split 'all'/);
  });
});
