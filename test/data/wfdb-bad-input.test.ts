/**
 * Damaged WFDB and MATLAB v4 files: every case must throw EcgcError (never RangeError or another
 * crash) with a message that names the file and/or record and says what is wrong. The damaged
 * files are temporary copies of real records from ../shared/data; the originals are only read.
 * Runs whenever ../shared/data exists, prints a SKIPPING line when it does not, fails when CI=true.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EcgcError } from '../../src/errors.js';
import { parseHeader, readAnnotations, readCpscRecord, readHeader, readMat4, readRecord } from '../../src/data/wfdb/index.js';
import { CPSC, MITDB, hasData } from '../helpers/data.js';


const HAVE_MITDB = hasData(MITDB, 'WFDB bad-input (MIT-BIH copies)');
const HAVE_CPSC = hasData(CPSC, 'MATLAB v4 bad-input (CPSC 2018 copies)');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecgc-wfdb-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `fn`, requires an EcgcError whose message contains every phrase, and returns the message. */
function expectFailure(fn: () => unknown, phrases: (string | RegExp)[]): string {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error('expected an EcgcError, but nothing was thrown');
  if (!(caught instanceof EcgcError)) throw new Error(`expected an EcgcError, got ${String(caught)}`);
  const message = caught.message;
  expect(message).not.toContain('\n');
  for (const p of phrases) {
    if (typeof p === 'string') expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
  return message;
}

/** Copies the given files of a record into the temporary directory. */
function copy(from: string, ...files: string[]): void {
  for (const f of files) copyFileSync(join(from, f), join(dir, f));
}

function editHeader(record: string, edit: (text: string) => string): void {
  const file = join(dir, `${record}.hea`);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

describe.skipIf(!HAVE_MITDB)('damaged WFDB records (copies of MIT-BIH 100)', () => {
  it('a header naming a missing signal file', () => {
    copy(MITDB, '100.hea');
    expectFailure(() => readRecord(dir, '100'), [join(dir, '100.dat'), 'cannot read (ENOENT)', 'record 100', '100.hea']);
    editHeader('100', (t) => t.replaceAll('100.dat', 'elsewhere.dat'));
    copy(MITDB, '100.dat');
    expectFailure(() => readRecord(dir, '100'), ['elsewhere.dat', 'ENOENT', 'record 100']);
  });

  it('a missing header', () => {
    expectFailure(() => readRecord(dir, '100'), [join(dir, '100.hea'), 'cannot read (ENOENT)']);
  });

  it('a truncated signal file, saying how many samples it holds and the header promises', () => {
    copy(MITDB, '100.hea');
    const dat = readFileSync(join(MITDB, '100.dat'));
    writeFileSync(join(dir, '100.dat'), dat.subarray(0, 1_000_000));
    expectFailure(() => readRecord(dir, '100'), [
      join(dir, '100.dat'),
      'record 100',
      'truncated',
      'holds 333333 samples per channel',
      'promises 650000',
    ]);
    // One byte short of complete: the last frame is incomplete.
    writeFileSync(join(dir, '100.dat'), dat.subarray(0, dat.length - 1));
    expectFailure(() => readRecord(dir, '100'), ['truncated', 'holds 649999 samples', 'promises 650000']);
    writeFileSync(join(dir, '100.dat'), new Uint8Array(0));
    expectFailure(() => readRecord(dir, '100'), ['truncated', 'holds 0 samples', 'promises 650000']);
  });

  it('a checksum mismatch (one flipped byte) names the file, record and channel', () => {
    copy(MITDB, '100.hea');
    const dat = new Uint8Array(readFileSync(join(MITDB, '100.dat')));
    // Byte 999,999 (a multiple of 3) is the low byte of channel 0's sample in frame 333,333.
    dat[999_999] ^= 0x01;
    writeFileSync(join(dir, '100.dat'), dat);
    expectFailure(() => readRecord(dir, '100'), [
      join(dir, '100.dat'),
      'record 100',
      "channel 0 'MLII'",
      'checksum mismatch',
      'the header says -22131',
    ]);
    // Byte 2 holds the low 8 bits of channel 1's first sample: its initial value no longer matches.
    dat[999_999] ^= 0x01;
    dat[2] ^= 0x01;
    writeFileSync(join(dir, '100.dat'), dat);
    expectFailure(() => readRecord(dir, '100'), [
      "record 100, channel 1 'V5'",
      "first sample is 1010 but the header's initial value is 1011",
    ]);
  });

  it('an unsupported signal format names the format and the supported ones', () => {
    copy(MITDB, '100.hea', '100.dat');
    editHeader('100', (t) => t.replace('100.dat 212 ', '100.dat 311 '));
    for (const read of [() => readHeader(dir, '100'), () => readRecord(dir, '100')]) {
      expectFailure(read, [
        join(dir, '100.hea'),
        'record 100',
        'line 2',
        'format 311 is not supported',
        'supported formats: 16, 80, 212',
      ]);
    }
  });

  it('malformed header lines name the file, record, line and field', () => {
    copy(MITDB, '100.hea', '100.dat');
    const original = readFileSync(join(dir, '100.hea'), 'utf8');
    const cases: [string, (string | RegExp)[]][] = [
      [original.replace('100.dat 212 200 ', '100.dat 212 2x0 '), ['line 2', "gain field '2x0' is malformed"]],
      [original.replace('100 2 360 650000', '100 two 360 650000'), ['line 1', "number of signals 'two'"]],
      [original.replace('100 2 360 650000', '100 2 fast 650000'), ['line 1', "sampling frequency 'fast'"]],
      [original.replace('100 2 360 650000', '100 2 360 -5'), ['line 1', "number of samples '-5'"]],
      [original.replace('1024 995 -22131', '1024 99.5 -22131'), ['line 2', "initial value '99.5' is not an integer"]],
      [original.replace('1011 20052', '1011 2oo52'), ['line 3', "checksum '2oo52' is not an integer"]],
      [original.replace('100.dat 212 200', '100.dat 212+x 200'), ['line 2', "format field '212+x' is malformed"]],
      [original.replace(/^100.dat .*V5$/m, ''), ['declares 2 signals', '1 signal specification line']],
      [original.replace(/^100.dat .*V5$/m, '100.dat'), ['line 3', 'signal format is missing']],
      [original.replace('100 2 360', '100/3 2 360'), ['multi-segment', 'not supported']],
      ['# only a comment\n', ['no record line']],
    ];
    for (const [text, phrases] of cases) {
      writeFileSync(join(dir, '100.hea'), text);
      expectFailure(() => readRecord(dir, '100'), [join(dir, '100.hea'), ...phrases]);
      // parseHeader reports the file name it is given.
      expectFailure(() => parseHeader(text, 'given-name.hea'), ['given-name.hea', ...phrases]);
    }
  });

  it('an annotation file that ends mid-record', () => {
    const atr = readFileSync(join(MITDB, '100.atr'));
    const file = join(dir, '100.atr');
    // The real file ends with the end-of-file marker (a zero word); drop it.
    expect(atr[atr.length - 1]).toBe(0);
    expect(atr[atr.length - 2]).toBe(0);
    writeFileSync(file, atr.subarray(0, atr.length - 2));
    expectFailure(() => readAnnotations(dir, '100'), [file, 'record 100', 'without the end-of-file marker', 'truncated']);
    // Half a word.
    writeFileSync(file, atr.subarray(0, atr.length - 3));
    expectFailure(() => readAnnotations(dir, '100'), [file, 'middle of a 2-byte word', 'truncated']);
    // Inside the first AUX string: word 0 is the '+' rhythm annotation, word 1 its AUX word.
    expect(atr[3] >> 2).toBe(63);
    writeFileSync(file, atr.subarray(0, 5));
    expectFailure(() => readAnnotations(dir, '100'), [file, 'AUX string', 'truncated']);
    // Any cut at all fails cleanly (never a RangeError), and the default extension is 'atr'.
    for (let cut = 0; cut < atr.length - 1; cut += 97) {
      writeFileSync(file, atr.subarray(0, cut));
      expectFailure(() => readAnnotations(dir, '100', 'atr'), [file, 'truncated']);
    }
    // A different annotator extension is read from its own file.
    expectFailure(() => readAnnotations(dir, '100', 'qrs'), [join(dir, '100.qrs'), 'cannot read (ENOENT)']);
  });

  it('a SKIP interval cut short', () => {
    // Record 232 has SKIP words (its long pauses exceed the 10-bit interval); cut inside the first one's interval.
    const atr = readFileSync(join(MITDB, '232.atr'));
    let p = 0;
    while (atr[p + 1] >> 2 !== 59) {
      const a = atr[p + 1] >> 2;
      const i = atr[p] | ((atr[p + 1] & 3) << 8);
      p += 2 + (a === 63 ? i + (i & 1) : 0);
    }
    writeFileSync(join(dir, '232.atr'), atr.subarray(0, p + 4));
    expectFailure(() => readAnnotations(dir, '232'), [join(dir, '232.atr'), 'SKIP', 'truncated']);
  });

  it('any truncation of the signal file fails cleanly', () => {
    copy(MITDB, '100.hea');
    const dat = readFileSync(join(MITDB, '100.dat'));
    for (const cut of [1, 2, 3, 4, 5, 6, 7, 1_949_998]) {
      writeFileSync(join(dir, '100.dat'), dat.subarray(0, cut));
      expectFailure(() => readRecord(dir, '100'), ['truncated', `holds ${Math.floor(Math.floor(cut / 3) * 2 + (cut % 3 === 2 ? 1 : 0)) >> 1} samples`]);
    }
  });
});

describe.skipIf(!HAVE_CPSC)('damaged MATLAB v4 files (copies of CPSC A0001)', () => {
  function damagedMat(edit: (bytes: Uint8Array, view: DataView) => void): string {
    const bytes = new Uint8Array(readFileSync(join(CPSC, 'A0001.mat')));
    edit(bytes, new DataView(bytes.buffer));
    const file = join(dir, 'A0001.mat');
    writeFileSync(file, bytes);
    copy(CPSC, 'A0001.hea');
    return file;
  }

  it('a big-endian .mat', () => {
    const file = damagedMat((_bytes, view) => {
      // The header as a big-endian writer would store it: type 1030 (M=1 big-endian, P=3 int16).
      [1030, 12, 7500, 0, 4].forEach((v, k) => view.setInt32(4 * k, v, false));
    });
    expectFailure(() => readMat4(file), [file, 'big-endian', 'only little-endian']);
    expectFailure(() => readCpscRecord(dir, 'A0001'), [file, 'big-endian']);
    // A little-endian header that declares big-endian data (M=1).
    damagedMat((_bytes, view) => view.setInt32(0, 1030, true));
    expectFailure(() => readMat4(file), [file, 'big-endian', 'only little-endian']);
  });

  it('an unknown element or matrix type', () => {
    let file = damagedMat((_bytes, view) => view.setInt32(0, 60, true)); // P = 6
    expectFailure(() => readMat4(file), [file, 'unknown element type 6', 'MOPT code 60', 'supported']);
    file = damagedMat((_bytes, view) => view.setInt32(0, 37, true)); // T = 7
    expectFailure(() => readMat4(file), [file, 'unknown matrix type 7']);
    file = damagedMat((_bytes, view) => view.setInt32(0, 2030, true)); // VAX D
    expectFailure(() => readMat4(file), [file, 'VAX D-float', 'only little-endian']);
    file = damagedMat((bytes) => bytes.set([0x4d, 0x41, 0x54, 0x4c], 0)); // 'MATL' (a v5 file starts with text)
    expectFailure(() => readMat4(file), [file, 'not a MATLAB v4 MAT-file']);
  });

  it('a truncated or inconsistent .mat', () => {
    const full = readFileSync(join(CPSC, 'A0001.mat'));
    const file = join(dir, 'A0001.mat');
    copy(CPSC, 'A0001.hea');
    writeFileSync(file, full.subarray(0, full.length - 10));
    expectFailure(() => readMat4(file), [file, "matrix 'val'", 'truncated', '180000 bytes of data expected', '179990 present']);
    writeFileSync(file, full.subarray(0, 10));
    expectFailure(() => readMat4(file), [file, 'truncated MATLAB v4 header']);
    writeFileSync(file, new Uint8Array(0));
    expectFailure(() => readMat4(file), [file, 'empty']);
    // A well-formed .mat that disagrees with the header: 11 rows.
    const elevenRows = new Uint8Array(full.subarray(0, 24 + 11 * 7500 * 2));
    new DataView(elevenRows.buffer).setInt32(4, 11, true);
    writeFileSync(file, elevenRows);
    expectFailure(() => readCpscRecord(dir, 'A0001'), [file, 'record A0001', 'has 11 rows (leads)', 'declares 12 signals']);
    // One changed sample: checksum mismatch for that lead.
    const changed = new Uint8Array(full);
    changed[24 + 2 * (12 * 100 + 3)] ^= 0x01; // lead 3 (aVR), sample 100
    writeFileSync(file, changed);
    expectFailure(() => readCpscRecord(dir, 'A0001'), [file, "record A0001, channel 3 'aVR'", 'checksum mismatch']);
    // No 'val' matrix.
    const renamed = new Uint8Array(full);
    renamed.set([0x76, 0x61, 0x6d], 20); // 'vam'
    writeFileSync(file, renamed);
    expectFailure(() => readCpscRecord(dir, 'A0001'), [file, "no matrix named 'val'", "'vam'"]);
  });

  it('a CPSC header without a #Dx line', () => {
    copy(CPSC, 'A0001.hea', 'A0001.mat');
    editHeader('A0001', (t) => t.replace(/^#Dx:.*$/m, ''));
    expectFailure(() => readCpscRecord(dir, 'A0001'), [join(dir, 'A0001.hea'), 'record A0001', "'#Dx:'"]);
  });
});
