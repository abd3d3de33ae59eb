/**
 * `ecgc compress`, `ecgc sweep`, and `ecgc run` / `ecgc eval` with --plan, through the built
 * command line (build first: `npx tsc -p .`). Exit codes: 1 for bad input (one line), 3 for a
 * budget nothing meets.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWeightLayers } from '../../src/plan/layers.js';
import { argmaxRows, classificationMetrics } from '../../src/compress/metrics.js';
import { type Plan, applyPlan, readPlan } from '../../src/plan/plan.js';
import { policyFor } from '../../src/compress/policies/choose.js';
import { SearchSpace } from '../../src/compress/search-space.js';
import { writeDataset } from '../../src/data/dataset.js';
import { encodeNpy, readNpyFloat32 } from '../../src/util/npy.js';
import { bitsOf, expectBitExact } from '../helpers/bit-exact.js';
import { ecgc } from '../helpers/cli.js';
import { BEATNET, beatnetDataset, loadBeatnet, writeBeatnetDataset } from '../helpers/compress.js';
import { fixturePath, runReference } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-compress-'));
const val = join(dir, 'val');
const test = join(dir, 'test');
const planFile = join(dir, 'plan.json');
let plan: Plan;

beforeAll(async () => {
  writeBeatnetDataset(val, 300, 31);
  writeBeatnetDataset(test, 300, 32);
  const result = await ecgc(['compress', BEATNET, '--data', val, '--test', test, '--method', 'laq+lap', '--max-drop', '1', '--out', planFile]);
  expect(result.stderr).not.toMatch(/internal error/);
  expect(result.exitCode).toBe(0);
  plan = JSON.parse(readFileSync(planFile, 'utf8'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ecgc compress', () => {
  it('prints the per-layer table and totals, and writes plan.json, plan.md and plan.html', async () => {
    expect(plan.schema).toBe('ecgc.plan/1');
    expect(plan.method.name).toBe('laq+lap');
    expect(plan.layers).toHaveLength(findWeightLayers(loadBeatnet()).length);
    expect(plan.figures.test).not.toBeNull();
    expect(plan.figures.data.final.accuracy!).toBeGreaterThanOrEqual(plan.figures.data.baseline.accuracy! - 0.01 - 1e-9);
    expect(plan.totals.layers.compressionRatio).toBeGreaterThan(2.5);
    const md = readFileSync(join(dir, 'plan.md'), 'utf8');
    expect(md).toMatch(/\| layer \| op \| weights \| bits/);
    const html = readFileSync(join(dir, 'plan.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('run --plan writes the outputs of the compressed graph, bit for bit', async () => {
    const data = beatnetDataset(12, 40);
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy(data.shape, data.x));
    const y = join(dir, 'y.npy');
    const result = await ecgc(['run', BEATNET, '--input', x, '--output', y, '--plan', planFile]);
    expect(result.exitCode).toBe(0);
    const graph = loadBeatnet();
    const expected = runReference(applyPlan(graph, readPlan(planFile, graph)), data.x, 12);
    expectBitExact(readNpyFloat32(y).data, expected, 'run --plan');
    const plain = join(dir, 'plain.npy');
    await ecgc(['run', BEATNET, '--input', x, '--output', plain]);
    expect(bitsOf(readNpyFloat32(plain).data)).not.toEqual(bitsOf(expected));
  });

  it('eval --plan reports the metrics of the compressed graph, equal to the plan figures on the test data', async () => {
    const result = await ecgc(['eval', BEATNET, '--data', test, '--plan', planFile, '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    const graph = loadBeatnet();
    const data = beatnetDataset(300, 32);
    const metrics = classificationMetrics(data.y, argmaxRows(runReference(applyPlan(graph, readPlan(planFile, graph)), data.x, 300), 5), data.meta.classes);
    expect(report.accuracy).toBe(metrics.accuracy);
    expect(report.macroF1).toBe(metrics.macroF1);
    expect(report.accuracy).toBe(plan.figures.test!.final.accuracy);
  });

  it('refuses a plan made for another model (exit 1, one line)', async () => {
    const result = await ecgc(['run', fixturePath('mobilenet1d', 'model.onnx'), '--input', fixturePath('mobilenet1d', 'input.npy'), '--output', join(dir, 'o.npy'), '--plan', planFile]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/plan\.json: is a plan for another model \(beatnet\.onnx\)/);
    const evalResult = await ecgc(['eval', fixturePath('mobilenet1d', 'model.onnx'), '--data', test, '--plan', planFile]);
    expect(evalResult.exitCode).toBe(1);
  });

  it('exits 3 when no plan fits --flash, printing the smallest achievable size and the breakdown', async () => {
    const graph = loadBeatnet();
    const space = new SearchSpace(graph, findWeightLayers(graph), 0.5, 0.5);
    const smallest = space.bytes(policyFor({ kind: 'laq+lap' }).smallest(space, 'uniform'));
    const result = await ecgc(['compress', BEATNET, '--data', val, '--method', 'laq+lap', '--flash', String(smallest - 1), '--out', join(dir, 'tight.json')]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`smallest achievable: ${smallest} bytes`);
    expect(result.stderr).toMatch(/\/features\/features\.0\/features\.0\.0\/Conv\s+1-bit sign/);
    expect(existsSync(join(dir, 'tight.json'))).toBe(false);
  });

  describe('constraints', () => {
    const tight = join(dir, 'ruinous.json');
    let refused: Awaited<ReturnType<typeof ecgc>>;
    beforeAll(async () => {
      refused = await ecgc(['compress', BEATNET, '--data', val, '--method', 'laq+lap', '--flash', '1400', '--out', tight]);
    }, 60_000);

    it('holds --max-drop 0.5 under --flash: a budget only a ruinous plan fits exits 3 and leaves no plan that looks complete', () => {
      expect(refused.exitCode).toBe(3);
      const message = refused.stderr.trim().split('\n').at(-1)!;
      expect(message).toMatch(/^ecgc: no laq\+lap plan fits --flash 1400 bytes within the constraints \(accuracy >= 99\.50% \(--max-drop 0\.5 below the full model's 100\.00%\)\): the smallest that meets them is (\d+) bytes; the best plan that fits \((\d+) bytes\) misses them: accuracy ([\d.]+)% \(needs >= 99\.50%; full model 100\.00%\); that plan is written to .*ruinous\.rejected\.json \(marked rejected: not a passing plan\)$/);
      for (const file of ['ruinous.json', 'ruinous.md', 'ruinous.html']) expect(existsSync(join(dir, file))).toBe(false);
      const rejected: Plan = JSON.parse(readFileSync(join(dir, 'ruinous.rejected.json'), 'utf8'));
      expect(rejected.rejected).toBe(message.slice('ecgc: '.length).split('; that plan is written')[0]);
      expect(rejected.totals.layers.bytes).toBeLessThanOrEqual(1400);
      expect(rejected.figures.data.final.accuracy!).toBeLessThan(0.995);
      expect(message).toContain(`best plan that fits (${rejected.totals.layers.bytes} bytes) misses them: accuracy ${(100 * rejected.figures.data.final.accuracy!).toFixed(2)}%`);
      // the per-layer breakdown of both plans, and the rejected plan's per-class recall
      expect(refused.stderr).toMatch(/layer\s+choice \(smallest within the constraints\)\s+bytes\s+choice \(best that fits\)\s+bytes/);
      const collapsed = rejected.figures.data.final.perClass!.find((c) => c.recall < 0.9)!;
      expect(refused.stderr).toMatch(new RegExp(`per-class recall of the rejected plan:[\\s\\S]*\\n${collapsed.name}\\s+\\d+\\s+100\\.00\\s+${(100 * collapsed.recall).toFixed(2)}`));
    });

    it('a rejected plan can still be evaluated, never without a warning', async () => {
      const result = await ecgc(['eval', BEATNET, '--data', val, '--plan', join(dir, 'ruinous.rejected.json')]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toContain(`ecgc: warning: ${join(dir, 'ruinous.rejected.json')} is a plan 'ecgc compress' rejected: no laq+lap plan fits --flash 1400 bytes`);
    });

    it('--max-drop none lifts it: the same plan, written as a plan whose header says so', async () => {
      const out = join(dir, 'lifted.json');
      const result = await ecgc(['compress', BEATNET, '--data', val, '--method', 'laq+lap', '--flash', '1400', '--max-drop', 'none', '--out', out]);
      expect(result.exitCode, result.stderr).toBe(0);
      const lifted: Plan = JSON.parse(readFileSync(out, 'utf8'));
      const rejected: Plan = JSON.parse(readFileSync(join(dir, 'ruinous.rejected.json'), 'utf8'));
      expect(lifted.layers.map((l) => [l.bits, l.sparsity])).toEqual(rejected.layers.map((l) => [l.bits, l.sparsity]));
      expect(lifted.method.maxDrop).toBeNull();
      expect(lifted.rejected).toBeUndefined();
      expect(result.stdout).toMatch(/laq\+lap .*; constraints: no accuracy constraint, flash budget 1400 bytes/);
      expect(readFileSync(join(dir, 'lifted.md'), 'utf8')).toContain('constraints: no accuracy constraint, flash budget 1400 bytes');
      const laq = await ecgc(['compress', BEATNET, '--data', val, '--method', 'laq', '--max-drop', 'none', '--out', join(dir, 'none.json')]);
      expect(laq.exitCode).toBe(1);
      expect(laq.stderr).toMatch(/--max-drop none: laq shares --max-drop out between layers; give it a number of points, or a --flash budget to fit/);
    });

    it('--max-class-drop refuses a plan --max-drop alone accepts (fixed-q:4 loses 4 points of class A recall)', async () => {
      const accepted = await ecgc(['compress', BEATNET, '--data', val, '--method', 'fixed-q:4', '--max-drop', '0.5', '--out', join(dir, 'q4.json')]);
      expect(accepted.exitCode).toBe(0);
      const q4: Plan = JSON.parse(readFileSync(join(dir, 'q4.json'), 'utf8'));
      const lostA = 100 * (1 - q4.figures.data.final.perClass!.find((c) => c.name === 'A')!.recall);
      expect(lostA).toBeGreaterThan(2);
      const out = join(dir, 'q4-classes.json');
      const result = await ecgc(['compress', BEATNET, '--data', val, '--method', 'fixed-q:4', '--max-drop', '0.5', '--max-class-drop', '2', '--out', out]);
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain(`the fixed-q:4 plan misses the constraints (accuracy >= 99.50% (--max-drop 0.5 below the full model's 100.00%) and every class's recall at most 2 points below the full model's (--max-class-drop)): class A recall ${(100 - lostA).toFixed(2)}% (full model 100.00%, ${lostA.toFixed(2)} points lost)`);
      expect(existsSync(out)).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, 'q4-classes.rejected.json'), 'utf8')).method.maxClassDrop).toBe(2);
    });

    it('--max-class-drop holds every class in a search, label-free too (per full-model class agreement)', async () => {
      for (const args of [['--max-drop', '2'], ['--max-drop', '2', '--label-free']]) {
        const out = join(dir, `laq-classes${args.length}.json`);
        const result = await ecgc(['compress', BEATNET, '--data', val, '--method', 'laq', ...args, '--max-class-drop', '3', '--out', out]);
        expect(result.exitCode, result.stderr).toBe(0);
        const p: Plan = JSON.parse(readFileSync(out, 'utf8'));
        expect(p.method.maxClassDrop).toBe(3);
        const drops = p.figures.data.final.perClass!.map((c, i) => 100 * (p.figures.data.baseline.perClass![i].recall - c.recall));
        expect(Math.max(...drops)).toBeLessThanOrEqual(3 + 1e-9);
        expect(result.stdout).toContain(`each class's ${args.includes('--label-free') ? 'agreement' : 'recall'} at most 3 points below the full model's`);
      }
      // without it, the same search lets class A lose 8 points
      const alone = await ecgc(['compress', BEATNET, '--data', val, '--method', 'laq', '--max-drop', '2', '--out', join(dir, 'laq-alone.json')]);
      const p: Plan = JSON.parse(readFileSync(join(dir, 'laq-alone.json'), 'utf8'));
      expect(alone.exitCode).toBe(0);
      expect(Math.min(...p.figures.data.final.perClass!.map((c) => c.recall))).toBeLessThan(0.97);
    }, 60_000);

    it('every report shows per-class recall, the full model beside the plan, as the evaluator measures it', async () => {
      const out = join(dir, 'q3.json');
      const result = await ecgc(['compress', BEATNET, '--data', val, '--test', test, '--method', 'fixed-q:3', '--out', out]);
      expect(result.exitCode, result.stderr).toBe(0);
      const p: Plan = JSON.parse(readFileSync(out, 'utf8'));
      const graph = loadBeatnet();
      const recallOf = (g: typeof graph, seed: number) => {
        const data = beatnetDataset(300, seed);
        return classificationMetrics(data.y, argmaxRows(runReference(g, data.x, 300), 5), data.meta.classes).perClass;
      };
      const compressed = applyPlan(graph, readPlan(out, graph));
      const expected = { data: { full: recallOf(graph, 31), plan: recallOf(compressed, 31) }, test: { full: recallOf(graph, 32), plan: recallOf(compressed, 32) } };
      for (const set of ['data', 'test'] as const) {
        const pair = p.figures[set]!;
        expect(pair.baseline.perClass).toEqual(expected[set].full.map(({ name, support, recall }) => ({ name, support, recall })));
        expect(pair.final.perClass).toEqual(expected[set].plan.map(({ name, support, recall }) => ({ name, support, recall })));
      }
      expect(expected.test.plan.some((c, i) => c.recall < expected.test.full[i].recall - 0.05)).toBe(true); // the columns differ
      const pct = (v: number) => (100 * v).toFixed(2);
      const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(100 * (b - a)).toFixed(2)}`;
      const md = readFileSync(join(dir, 'q3.md'), 'utf8');
      const html = readFileSync(join(dir, 'q3.html'), 'utf8');
      expect(md).toContain('## Per-class recall');
      expect(html).toContain('<h2>Per-class recall</h2>');
      expected.data.full.forEach((full, i) => {
        const d = expected.data.plan[i];
        const t = expected.test.plan[i];
        const tf = expected.test.full[i];
        const cells = [full.name, String(full.support), pct(full.recall), pct(d.recall), change(full.recall, d.recall), String(tf.support), pct(tf.recall), pct(t.recall), change(tf.recall, t.recall)];
        expect(md).toContain(`| ${cells.join(' | ')} |`);
        expect(html).toContain(`<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`);
        expect(result.stdout).toMatch(new RegExp(`\\n${cells.map((c) => c.replace('+', '\\+')).join('\\s+')}\\n`));
      });
      // eval --plan: the plan's recall with the full model's beside it, in text and JSON
      const evaluated = JSON.parse((await ecgc(['eval', BEATNET, '--data', test, '--plan', out, '--json'])).stdout);
      expect(evaluated.perClass.map((c: { recall: number }) => c.recall)).toEqual(expected.test.plan.map((c) => c.recall));
      expect(evaluated.fullModel.perClass.map((c: { recall: number }) => c.recall)).toEqual(expected.test.full.map((c) => c.recall));
      const text = (await ecgc(['eval', BEATNET, '--data', test, '--plan', out])).stdout;
      expect(text).toMatch(/class\s+precision %\s+recall %\s+full model recall %\s+change \(points\)\s+F1 %\s+support/);
      expected.test.plan.forEach((c, i) => expect(text).toMatch(new RegExp(`\\n${c.name}\\s+[\\d.]+\\s+${pct(c.recall)}\\s+${pct(expected.test.full[i].recall)}\\s+${(100 * (c.recall - expected.test.full[i].recall)).toFixed(2)}\\s`)));
    }, 60_000);
  });

  it('runs label-free without --data (synthetic windows, fidelity to the full model)', async () => {
    const out = join(dir, 'label-free.json');
    const result = await ecgc(['compress', BEATNET, '--method', 'laq', '--calibration', '120', '--out', out]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/120 synthetic beats/);
    const p: Plan = JSON.parse(readFileSync(out, 'utf8'));
    expect(p.method.labelFree).toBe(true);
    expect(p.figures.data.final.accuracy).toBeNull();
    expect(p.figures.data.final.agreement).toBeGreaterThanOrEqual(0.995);
    expect(p.figures.data.final.snrDb!).toBeGreaterThanOrEqual(20);
    expect(p.layers.some((l) => l.bits < 32)).toBe(true);
  });

  it('treats windows without labels (a bare .npy) as label-free, and ignores labels with --label-free', async () => {
    const data = beatnetDataset(60, 41);
    const x = join(dir, 'unlabelled.npy');
    writeFileSync(x, encodeNpy(data.shape, data.x));
    for (const args of [['--data', x], ['--data', val, '--label-free']]) {
      const out = join(dir, `unlabelled${args.length}.json`);
      const result = await ecgc(['compress', BEATNET, ...args, '--method', 'fixed-q:8', '--out', out]);
      expect(result.exitCode).toBe(0);
      const p: Plan = JSON.parse(readFileSync(out, 'utf8'));
      expect(p.method.labelFree).toBe(true);
      expect(p.method.data).toBe(args[1]);
      expect(p.figures.data.baseline.accuracy).toBeNull();
      expect(result.stdout).toMatch(/top-1 agreement/);
    }
  });

  it('stores bfloat16 scales with --scales bfloat16: 2 bytes a row, recorded in the plan, and compile emits exactly those bytes', async () => {
    const plans = { float32: join(dir, 'scales-f32.json'), bfloat16: join(dir, 'scales-bf16.json') };
    for (const [format, out] of Object.entries(plans)) {
      expect((await ecgc(['compress', BEATNET, '--data', val, '--method', 'fixed-q:4', '--scales', format, '--out', out])).exitCode).toBe(0);
    }
    const [f32, bf16]: Plan[] = [plans.float32, plans.bfloat16].map((f) => JSON.parse(readFileSync(f, 'utf8')));
    expect(bf16.method.scaleFormat).toBe('bfloat16');
    bf16.layers.forEach((l, i) => {
      expect(l.scaleFormat).toBe('bfloat16');
      expect(f32.layers[i].bytes.total - l.bytes.total).toBe(2 * l.scales.length);
    });
    // compile checks that the C it writes takes the bytes the plan predicted
    const compiled = await ecgc(['compile', BEATNET, '--target', 'host', '--plan', plans.bfloat16, '--out', join(dir, 'bf16-c')]);
    expect(compiled.exitCode, compiled.stderr).toBe(0);
    expect(readFileSync(join(dir, 'bf16-c', 'beatnet_weights.c'), 'utf8')).toMatch(/const uint16_t \w+__scales\[/);
  });

  it('rounds with error compensation under --rounding gptq: better on the data, codes in the plan, bit-exact in C', async () => {
    const plans = { nearest: join(dir, 'round-nearest.json'), gptq: join(dir, 'round-gptq.json') };
    for (const [rounding, out] of Object.entries(plans)) {
      const result = await ecgc(['compress', BEATNET, '--data', val, '--test', test, '--method', 'fixed-q:2', '--scales', 'bfloat16', '--rounding', rounding, '--out', out]);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const [nearest, gptq]: Plan[] = [plans.nearest, plans.gptq].map((f) => JSON.parse(readFileSync(f, 'utf8')));
    expect(gptq.method.rounding).toBe('gptq');
    expect(nearest.layers.every((l) => l.codes === undefined)).toBe(true);
    expect(gptq.layers.every((l) => typeof l.codes === 'string')).toBe(true);
    // the same scales and sizes; better fidelity to the full model on the data searched on
    gptq.layers.forEach((l, i) => expect(l.scales).toEqual(nearest.layers[i].scales));
    expect(gptq.figures.data.final.snrDb!).toBeGreaterThan(nearest.figures.data.final.snrDb! + 1);
    expect(gptq.figures.data.final.agreement).toBeGreaterThan(nearest.figures.data.final.agreement);
    // the plan's codes are what eval and the C run
    const evaluated = JSON.parse((await ecgc(['eval', BEATNET, '--data', test, '--plan', plans.gptq, '--json'])).stdout);
    expect(evaluated.accuracy).toBe(gptq.figures.test!.final.accuracy);
    const verified = await ecgc(['verify', BEATNET, '--target', 'host', '--plan', plans.gptq, '--count', '4']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^bit-exact: 4 inputs/);

    const edited = (name: string, edit: (p: Plan) => void) => {
      const copy: Plan = JSON.parse(readFileSync(plans.gptq, 'utf8'));
      edit(copy);
      writeFileSync(join(dir, name), JSON.stringify(copy));
      return join(dir, name);
    };
    const refused = async (file: string, message: RegExp) => {
      const result = await ecgc(['eval', BEATNET, '--data', test, '--plan', file]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    };
    // named by the plan file, as every problem readPlan finds
    await refused(edited('codes-short.json', (p) => (p.layers[1].codes = p.layers[1].codes!.slice(0, 8))), /codes-short\.json: layer '.*': codes must be base64 of \d+ bytes/);
    await refused(edited('rows.json', (p) => (p.layers[1].rows += 1)), /rows\.json: layer '.*': entry has \d+ rows of \d+, the layer \d+ of \d+/);
    const l = gptq.layers[1];
    // 2-bit codes are -1..1: the field 0b10 (-2) is out of range
    await refused(edited('codes-range.json', (p) => (p.layers[1].codes = Buffer.alloc(Math.ceil((l.rows * l.rowLength * 2) / 8), 0xaa).toString('base64'))), /plan layer '.*': code -2 for weight 0 is outside the 2-bit uniform range/);
    // codes belong to uniform, uniform-layer and sign layers only
    await refused(edited('codes-codebook.json', (p) => (p.layers[1].quantizer = 'codebook')), /layer '.*': a codebook quantizer takes no given codes/);
    await refused(edited('codes-float.json', (p) => Object.assign(p.layers[1], { quantizer: 'float32', bits: 32 })), /layer '.*': a float32 layer has no codes of its own/);
  }, 120_000);

  it('searches label-free but still reports the labels of --test (never searched on)', async () => {
    const out = join(dir, 'label-free-test.json');
    const result = await ecgc(['compress', BEATNET, '--data', val, '--label-free', '--test', val, '--method', 'fixed-q:4', '--out', out]);
    expect(result.exitCode).toBe(0);
    const p: Plan = JSON.parse(readFileSync(out, 'utf8'));
    expect(p.figures.labelFree).toBe(true);
    expect(p.figures.data.final.accuracy).toBeNull();
    // the same windows: the test figures are the search data's agreement, plus accuracy from the labels
    expect(p.figures.test!.final.agreement).toBe(p.figures.data.final.agreement);
    expect(p.figures.test!.final.accuracy).toBeGreaterThan(0.5);
    expect(p.figures.test!.baseline.accuracy).toBeGreaterThan(0.5);
    expect(result.stdout).toMatch(/plan on .* \(test\): top-1 agreement [\d.]+%, output SNR [\d.]+ dB; labels \(not searched on\): accuracy [\d.]+%, F1 [\d.]+%/);
  });

  describe('bad input (exit 1, one line)', () => {
    const wrong = async (args: string[], message: RegExp, out = join(dir, 'bad.json')) => {
      const result = await ecgc(['compress', ...args, '--out', out]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim().split('\n').filter((l) => !l.startsWith('calibration:'))).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    };
    it('data that does not fit the model', () => wrong([fixturePath('mobilenet1d', 'model.onnx'), '--data', val, '--method', 'laq'], /windows are \[1, 256\], but .* takes \[1, 187\]/));
    it('an empty data set', async () => {
      const empty = join(dir, 'empty');
      writeDataset(empty, { ...beatnetDataset(3, 1), x: new Float32Array(0), shape: [0, 1, 256], y: new Int32Array(0) });
      await wrong([BEATNET, '--data', empty, '--method', 'laq'], /empty/);
    });
    it('labels outside the class range', async () => {
      const bad = join(dir, 'labels');
      const data = beatnetDataset(6, 2);
      writeDataset(bad, { ...data, y: Int32Array.from([0, 1, 2, 3, 4, 7]) });
      await wrong([BEATNET, '--data', bad, '--method', 'laq'], /labels must lie in \[0, 5\)/);
    });
    it('bits outside 1..8', () => wrong([BEATNET, '--method', 'fixed-q:9'], /bits must be an integer 1\.\.8/));
    it('an unknown method', () => wrong([BEATNET, '--method', 'fastest'], /is not one of/));
    it('an unknown rounding', () => wrong([BEATNET, '--data', val, '--method', 'fixed-q:4', '--rounding', 'stochastic'], /--rounding must be one of nearest, gptq, got 'stochastic'/));
    it('an unknown scale format', () => wrong([BEATNET, '--data', val, '--method', 'fixed-q:4', '--scales', 'float16'], /--scales must be one of float32, bfloat16, got 'float16'/));
    it('an --out in a directory that does not exist (before any search)', () => wrong([BEATNET, '--method', 'fixed-q:4'], /does not exist/, join(dir, 'missing', 'plan.json')));
    it('a negative --max-drop', () => wrong([BEATNET, '--method', 'laq', '--max-drop', '-1'], /--max-drop must be a number in \[0, 100\]/));
    it('a size that is not a size', () => wrong([BEATNET, '--method', 'laq', '--flash', 'lots'], /--flash 'lots' is not a size/));
  });
});

describe('ecgc sweep', () => {
  it("writes the paper's Table 1 as Markdown, CSV, JSON and HTML", async () => {
    const small = join(dir, 'small');
    writeBeatnetDataset(small, 150, 33);
    const out = join(dir, 'sweep');
    const result = await ecgc(['sweep', BEATNET, '--data', small, '--out', out, '--no-sensitivity', '--max-drop', '2']);
    expect(result.exitCode).toBe(0);
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    const names: string[] = sweep.rows.map((r: { name: string }) => r.name);
    // every row carries its per-class recall, as the plan figures do
    for (const row of sweep.rows) expect(row.data.perClass.map((c: { name: string }) => c.name)).toEqual(['N', 'L', 'R', 'A', 'V']);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/## Per-class recall[\s\S]*\| method \| N \(\d+\) \| L \(\d+\) \|/);
    expect(names).toEqual(expect.arrayContaining(['full precision', 'fixed-q:8', 'fixed-q:1', 'fixed-q:4 codebook', 'fixed-p:10', 'fixed-p:90', 'laq (printed rule)', 'laq (intended rule)', 'lap']));
    expect(names.some((n) => n.startsWith('laq+lap'))).toBe(true);
    expect(['printed', 'intended']).toContain(sweep.laqWinner.rule);
    for (const row of sweep.rows.filter((r: { laqRule: string | null; method: string }) => r.laqRule !== null || r.method === 'lap')) expect(row.meetsMaxDrop).toBe(true);
    const csv = readFileSync(join(out, 'table.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(names.length + 1);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/\| method \| accuracy % \| precision % \| recall % \| F1 % \| CR \|/);
    expect(readFileSync(join(out, 'sweep.html'), 'utf8')).toMatch(/<svg[\s\S]*Pareto/);
    expect(result.stdout).toMatch(/LAQ rule: \*\*(printed|intended)\*\* wins/);
  }, 60_000);
});
