/**
 * examples/ecg-patch: the streaming Pan-Tompkins detector against the MIT-BIH annotations
 * (sensitivity and positive predictivity over every record), its C and TypeScript twins
 * finding the same R peaks, and the firmware built by its Makefile and run under QEMU on a
 * MIT-BIH record printing exactly the decisions of the TypeScript pipeline, beat and rhythm
 * models alike (float32, and a compressed build within 32 KB of flash and 16 KB of RAM).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { listRecords } from '../../src/data/mitdb.js';
import { readAnnotations } from '../../src/data/wfdb/index.js';
import { deployed, encodeAdc, mitdbAdc, patchDecisions } from '../../examples/ecg-patch/pipeline.js';
import { BEAT_CODES, detectQrs, matchBeats } from '../../examples/ecg-patch/qrs.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { MITDB, hasData } from '../helpers/data.js';
import { EXAMPLES } from '../helpers/examples.js';
import { makeAvailable } from '../helpers/tools.js';

const PATCH = join(EXAMPLES, 'ecg-patch');
const EXAMPLE = join(EXAMPLES, 'arrhythminet-v2');
const MODEL = join(EXAMPLE, 'model.onnx');
const RHYTHM_EXAMPLE = join(EXAMPLES, 'rhythm-stream');
const RHYTHM = join(RHYTHM_EXAMPLE, 'model.onnx');
const data = hasData(MITDB, 'the ECG-patch tests on MIT-BIH');
const tools = (await cortexToolsAvailable('ECG-patch firmware')) && makeAvailable('the ECG-patch firmware tests');
const dir = mkdtempSync(join(tmpdir(), 'ecgc-ecg-patch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!data)('the QRS detector on MIT-BIH', () => {
  it('finds the annotated beats of all 48 records: sensitivity and positive predictivity above 99.4%', () => {
    let tp = 0;
    let fn = 0;
    let fp = 0;
    const records = listRecords(MITDB);
    for (const name of records) {
      const m = matchBeats(detectQrs(mitdbAdc(MITDB, name).samples), readAnnotations(MITDB, name).filter((a) => BEAT_CODES.has(a.code)).map((a) => a.sample));
      tp += m.truePositives;
      fn += m.falseNegatives;
      fp += m.falsePositives;
    }
    const sensitivity = tp / (tp + fn);
    const predictivity = tp / (tp + fp);
    console.log(`QRS detector on MIT-BIH (${records.length} records, ${tp + fn} beats): sensitivity ${(100 * sensitivity).toFixed(2)}%, positive predictivity ${(100 * predictivity).toFixed(2)}%`);
    expect(records.length).toBe(48);
    expect(sensitivity).toBeGreaterThan(0.995);
    expect(predictivity).toBeGreaterThan(0.994);
  }, 120_000);

  it('locates the R peak within a sample of the annotation', () => {
    const adc = mitdbAdc(MITDB, '100');
    const detected = detectQrs(adc.samples);
    const offsets = readAnnotations(MITDB, '100')
      .filter((a) => BEAT_CODES.has(a.code))
      .map((a) => detected.reduce((best, d) => (Math.abs(d - a.sample) < Math.abs(best) ? d - a.sample : best), Infinity))
      .sort((a, b) => a - b);
    expect(offsets[Math.floor(offsets.length * 0.05)]).toBeGreaterThanOrEqual(-1);
    expect(offsets[Math.floor(offsets.length * 0.95)]).toBeLessThanOrEqual(1);
  });

  it.skipIf(!tools)('the C detector (host gcc) finds exactly the R peaks of its TypeScript twin', async () => {
    writeFileSync(
      join(dir, 'qrs_main.c'),
      '#include <stdio.h>\n#include "qrs.h"\nint main(int argc, char **argv) {\n  static qrs_detector_t q;\n  short x;\n  int32_t r[QRS_MAX_OUT];\n  int i, n;\n  FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;\n' +
        '  if (!f) return 2;\n  qrs_init(&q);\n  while (fread(&x, 2, 1, f) == 1) {\n    n = qrs_push(&q, x, r);\n    for (i = 0; i < n; i++) printf("%ld\\n", (long)r[i]);\n  }\n  return 0;\n}\n',
    );
    await execa('gcc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', join(PATCH, 'firmware'), '-o', join(dir, 'qrs'), join(dir, 'qrs_main.c'), join(PATCH, 'firmware', 'qrs.c')]);
    for (const name of ['100', '203', '208']) {
      const adc = mitdbAdc(MITDB, name);
      writeFileSync(join(dir, 'signal.bin'), Buffer.from(adc.samples.buffer, adc.samples.byteOffset, adc.samples.byteLength));
      const { stdout } = await execa(join(dir, 'qrs'), [join(dir, 'signal.bin')]);
      expect(stdout.trim().split('\n').map(Number), name).toEqual(detectQrs(adc.samples));
    }
  }, 60_000);
});

describe.skipIf(!data || !tools)('the ECG-patch firmware under QEMU', () => {
  const run = async (build: string, adcFile: string, model = MODEL) => {
    const r = await execa('make', ['-C', PATCH, '--no-print-directory', 'run', `BUILD=${build}`, `ADC=${adcFile}`, `MODEL=${model}`, `RHYTHM=${RHYTHM}`, 'TIMEOUT=300'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split('\n').filter((line) => /^(ecg-patch|beat|rhythm|done):? /.test(line));
  };
  /** The firmware's lines equal the twin's; the last one also has the stack peak. */
  const expectSameLines = (lines: string[], expected: string[]) => {
    expect(lines.length).toBe(expected.length);
    expect(lines.slice(0, -1)).toEqual(expected.slice(0, -1));
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^${expected[expected.length - 1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; stack peak \\d+ B$`));
  };

  it('prints, beat by beat and every 10 s, the decisions of the TypeScript pipeline (record 208: normal beats and PVCs)', async () => {
    const build = join(dir, 'float32');
    const make = await execa('make', ['-C', PATCH, '--no-print-directory', `BUILD=${build}`, `MODEL=${MODEL}`, `RHYTHM=${RHYTHM}`], { reject: false });
    expect(make.exitCode, make.stderr).toBe(0);
    expect(make.stdout).toMatch(/linked with arm-none-eabi-gcc -O2 \(mps2-an386 memory map\)/);
    const adc = mitdbAdc(MITDB, '208', 40);
    const adcFile = join(dir, '208.adc');
    writeFileSync(adcFile, encodeAdc(adc));
    const lines = await run(build, adcFile);
    const expected = patchDecisions(deployed(MODEL, 'beat'), deployed(RHYTHM, 'rhythm'), adc);
    expectSameLines(lines, expected.lines);
    // four 10-s windows, each decided once its last sample is in
    expect(expected.rhythms.map((w) => w.start)).toEqual([0, 3600, 7200, 10800]);
    expect(lines.filter((line) => line.startsWith('rhythm ')).length).toBe(4);
    // the record's PVCs are there, and the beats are the annotated ones
    const labels = new Set(expected.beats.map((b) => b.label));
    expect(labels.size).toBeGreaterThan(1);
    const annotated = readAnnotations(MITDB, '208').filter((a) => BEAT_CODES.has(a.code) && a.sample >= 90 && a.sample + 166 <= adc.samples.length).map((a) => a.sample);
    expect(matchBeats(expected.beats.map((b) => b.r), annotated).sensitivity).toBeGreaterThan(0.97);
  }, 180_000);

  it('with compressed ArrhythmiNet V2 (fine-tuned) and rhythm model (their shipped plans, -Os) fits 32 KB of flash and 16 KB of RAM and decides exactly as its TypeScript twin', async () => {
    const model = join(EXAMPLE, 'model-qat.onnx');
    const plan = join(EXAMPLE, 'plan-qat.json');
    const rhythmPlan = join(RHYTHM_EXAMPLE, 'plan-laq-lap.json');
    const build = join(dir, 'laq');
    const make = await execa('make', ['-C', PATCH, '--no-print-directory', `BUILD=${build}`, `MODEL=${model}`, `PLAN=${plan}`, `RHYTHM=${RHYTHM}`, `RHYTHM_PLAN=${rhythmPlan}`, 'OPT=-Os'], { reject: false });
    expect(make.exitCode, make.stderr).toBe(0);
    const size = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+\S*firmware\.elf$/m.exec(make.stdout);
    expect(size).not.toBeNull();
    const [text, initialised, zeroed] = size!.slice(1).map(Number);
    // the flash target for the compressed model with its firmware
    expect(text + initialised).toBeLessThan(32 * 1024);
    // and its RAM target (stack included): float32 activations layer by layer need a 42 KB arena; depth first, 8 KB
    expect(initialised + zeroed).toBeLessThan(16 * 1024);
    expect(readFileSync(join(build, 'beat', 'beat.c'), 'utf8')).toMatch(/ecgc_stream_f32_push\(/);
    const adc = mitdbAdc(MITDB, '100', 20);
    const adcFile = join(dir, '100.adc');
    writeFileSync(adcFile, encodeAdc(adc));
    const lines = await run(build, adcFile, model);
    expectSameLines(lines, patchDecisions(deployed(model, 'beat', plan), deployed(RHYTHM, 'rhythm', rhythmPlan), adc).lines);
    expect(readFileSync(join(build, 'beat', 'beat_weights.c'), 'utf8')).toMatch(/2-bit uniform, 91\.5% pruned, delta/);
  }, 180_000);
});
