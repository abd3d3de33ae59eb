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
import type { Plan } from '../../src/plan/plan.js';
import { readAnnotations } from '../../src/data/wfdb/index.js';
import { cincAdc, deployed, encodeAdc, mitdbAdc, patchDecisions } from '../../examples/ecg-patch/pipeline.js';
import { BEAT_CODES, detectQrs, matchBeats } from '../../examples/ecg-patch/qrs.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { CINC2017, MITDB, NSTDB, hasData } from '../helpers/data.js';
import { EXAMPLES } from '../helpers/examples.js';
import { makeAvailable } from '../helpers/tools.js';

const PATCH = join(EXAMPLES, 'ecg-patch');
const EXAMPLE = join(EXAMPLES, 'patch-beats');
const MODEL = join(EXAMPLE, 'model.onnx');
const RHYTHM_EXAMPLE = join(EXAMPLES, 'patch-rhythm');
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

describe.skipIf(!hasData(NSTDB, 'the QRS detector under noise (NSTDB)'))('the QRS detector under electrode noise (NSTDB 118e24 .. 118e_6)', () => {
  it('holds at 24 dB, degrades as the noise grows, and never stops on a record', () => {
    const figures = ['118e24', '118e12', '118e00', '118e_6'].map((name) => {
      const adc = mitdbAdc(NSTDB, name);
      const m = matchBeats(detectQrs(adc.samples), readAnnotations(NSTDB, name).filter((a) => BEAT_CODES.has(a.code)).map((a) => a.sample));
      console.log(`QRS detector on NSTDB ${name}: sensitivity ${(100 * m.sensitivity).toFixed(2)}%, positive predictivity ${(100 * m.positivePredictivity).toFixed(2)}%`);
      return m;
    });
    // Every beat of the half hour was looked for (the detector ran to the record's end).
    for (const m of figures) expect(m.truePositives + m.falseNegatives).toBe(2278);
    expect(figures[0].sensitivity).toBeGreaterThanOrEqual(0.995);
    expect(figures[0].positivePredictivity).toBeGreaterThanOrEqual(0.995);
    expect(figures[1].sensitivity).toBeGreaterThanOrEqual(0.99);
    for (let k = 1; k < figures.length; k++) {
      expect(figures[k].sensitivity).toBeLessThanOrEqual(figures[k - 1].sensitivity);
      expect(figures[k].positivePredictivity).toBeLessThanOrEqual(figures[k - 1].positivePredictivity);
    }
  }, 60_000);
});

describe.skipIf(!data || !tools)('the ECG-patch firmware under QEMU', () => {
  /** The float32 models (a model given without PLAN= builds without a plan), -O2. */
  const float32 = (model = MODEL) => [`MODEL=${model}`, `RHYTHM=${RHYTHM}`, 'OPT=-O2'];
  /** `make run` with the options the build was made with (others would rebuild it). */
  const run = async (build: string, adcFile: string, options = float32()) => {
    const r = await execa('make', ['-C', PATCH, '--no-print-directory', 'run', `BUILD=${build}`, `ADC=${adcFile}`, ...options, 'TIMEOUT=300'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split('\n').filter((line) => /^(ecg-patch|beat|rhythm|done):? /.test(line));
  };
  /** The firmware's lines equal the twin's; the last one also has the stack peak. */
  const expectSameLines = (lines: string[], expected: string[]) => {
    expect(lines.length).toBe(expected.length);
    expect(lines.slice(0, -1)).toEqual(expected.slice(0, -1));
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^${expected[expected.length - 1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; stack peak \\d+ B$`));
  };

  it('prints, beat by beat and every 30 s, the decisions of the TypeScript pipeline (record 208: normal beats and PVCs; a CinC 2017 AF record)', async () => {
    const build = join(dir, 'float32');
    const make = await execa('make', ['-C', PATCH, '--no-print-directory', `BUILD=${build}`, ...float32()], { reject: false });
    expect(make.exitCode, make.stderr).toBe(0);
    expect(make.stderr).toMatch(/linked with arm-none-eabi-gcc -O2 \(mps2-an386 memory map\)/);
    expect(make.stdout).not.toMatch(/--plan/);
    const adc = mitdbAdc(MITDB, '208', 65);
    const adcFile = join(dir, '208.adc');
    writeFileSync(adcFile, encodeAdc(adc));
    const lines = await run(build, adcFile);
    const models = [deployed(MODEL, 'beat'), deployed(RHYTHM, 'rhythm')] as const;
    const expected = patchDecisions(...models, adc);
    expectSameLines(lines, expected.lines);
    // two 30-s windows, each decided once its last sample is in
    expect(expected.rhythms.map((w) => w.start)).toEqual([0, 10800]);
    expect(lines.filter((line) => line.startsWith('rhythm ')).length).toBe(2);
    // A single-lead AliveCor record (CinC 2017, AF), resampled 300 -> 360 Hz as the patch's front end samples it.
    if (hasData(CINC2017, 'the ECG patch on a CinC 2017 record')) {
      const cinc = cincAdc(CINC2017, 'A00301');
      const cincFile = join(dir, 'A00301.adc');
      writeFileSync(cincFile, encodeAdc(cinc));
      expectSameLines(await run(build, cincFile), patchDecisions(...models, cinc).lines);
    }
    // the record's PVCs are there, and the beats are the annotated ones
    const labels = new Set(expected.beats.map((b) => b.label));
    expect(labels.size).toBeGreaterThan(1);
    const annotated = readAnnotations(MITDB, '208').filter((a) => BEAT_CODES.has(a.code) && a.sample >= 90 && a.sample + 166 <= adc.samples.length).map((a) => a.sample);
    expect(matchBeats(expected.beats.map((b) => b.r), annotated).sensitivity).toBeGreaterThan(0.97);
  }, 180_000);

  it('takes a beat model without RR features too (ArrhythmiNet V2: the window alone), deciding as its twin', async () => {
    const v2 = join(EXAMPLES, 'arrhythminet-v2', 'model.onnx');
    const build = join(dir, 'one-input');
    const make = await execa('make', ['-C', PATCH, '--no-print-directory', `BUILD=${build}`, ...float32(v2)], { reject: false });
    expect(make.exitCode, make.stderr).toBe(0);
    const adc = mitdbAdc(MITDB, '208', 20);
    const adcFile = join(dir, '208-20.adc');
    writeFileSync(adcFile, encodeAdc(adc));
    const expected = patchDecisions(deployed(v2, 'beat'), deployed(RHYTHM, 'rhythm'), adc);
    expect(expected.beats.length).toBeGreaterThan(20);
    expectSameLines(await run(build, adcFile, float32(v2)), expected.lines);
  }, 180_000);

  it('by default (the compressed beat and AF models on int8 activations: their shipped plan-int8.json, -Os, depth first in blocks of 8) fits 32 KB of flash and 16 KB of RAM, keeps up (4 M instructions a beat, 2 M a second of ECG), prints the budget line, and decides exactly as its TypeScript twin', async () => {
    const model = MODEL;
    const plan = join(EXAMPLE, 'plan-int8.json');
    const rhythmPlan = join(RHYTHM_EXAMPLE, 'plan-int8.json');
    const build = join(dir, 'int8');
    const options = [`BUILD=${build}`];
    const make = await execa('make', ['-C', PATCH, '--no-print-directory', ...options], { reject: false });
    expect(make.exitCode, make.stderr).toBe(0);
    for (const file of ['patch-beats/plan-int8.json', 'patch-rhythm/plan-int8.json']) expect(make.stdout).toContain(`--plan ../../examples/${file}`);
    expect(make.stdout).toMatch(/^arm-none-eabi-gcc .* -Os .*-c firmware\/main.c/m);
    const size = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+\S*firmware\.elf$/m.exec(make.stdout);
    expect(size).not.toBeNull();
    const [text, initialised, zeroed] = size!.slice(1).map(Number);
    // the memory targets for the compressed models with their firmware
    expect(text + initialised).toBeLessThan(32 * 1024);
    expect(initialised + zeroed).toBeLessThan(16 * 1024);
    // `make -s budget`: one JSON line on stdout, the linked image's sizes and the models' instructions under QEMU
    const budget = await execa('make', ['-s', '-C', PATCH, '--no-print-directory', 'budget', ...options], { reject: false });
    expect(budget.exitCode, budget.stderr).toBe(0);
    const line = JSON.parse(budget.stdout) as Record<string, number>;
    expect(Object.keys(line)).toEqual(['flash', 'ram', 'beatInstructions', 'rhythmInstructionsPerSecond']);
    expect([line.flash, line.ram]).toEqual([text + initialised, initialised + zeroed]);
    console.log(`ECG patch budget (int8, -Os, blocks of 8): ${budget.stdout}`);
    // executed instructions under QEMU are exact: real time at 200 bpm on a 64 MHz M4F with room to spare, and the AF model
    expect(line.beatInstructions).toBeLessThanOrEqual(4e6);
    expect(line.rhythmInstructionsPerSecond).toBeLessThanOrEqual(2e6);
    for (const name of ['beat', 'rhythm']) {
      const c = readFileSync(join(build, name, `${name}.c`), 'utf8');
      expect(c).toMatch(/ecgc_stream_s8_push\(/);
      expect(c).toContain('.block = 8}');
    }
    const adc = mitdbAdc(MITDB, '232', 31); // one 30-s rhythm window; many S beats, RR features from long pauses
    const adcFile = join(dir, '100.adc');
    writeFileSync(adcFile, encodeAdc(adc));
    const lines = await run(build, adcFile, []);
    expectSameLines(lines, patchDecisions(deployed(model, 'beat', plan), deployed(RHYTHM, 'rhythm', rhythmPlan), adc).lines);
    expect(readFileSync(join(build, 'beat', 'beat.h'), 'utf8')).toContain('int beat_end(const float *input_rr, float *output);');
    // the plan's first layer, as the weights file says it packs it
    const first = (JSON.parse(readFileSync(plan, 'utf8')) as Plan).layers[0];
    expect(readFileSync(join(build, 'beat', 'beat_weights.c'), 'utf8')).toContain(`${first.node} (ConvS8): ${first.bits}-bit codes, ${(100 * first.sparsity).toFixed(1)}% pruned, ${first.encoding}`);
  }, 180_000);
});
