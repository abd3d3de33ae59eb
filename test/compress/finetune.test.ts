/**
 * `ecgc finetune`: quantization-aware fine-tuning with torch (/usr/bin/python3 with python3-torch
 * and python3-onnx). Runs whenever that Python has torch and onnx, prints a SKIPPING line when
 * it does not, and fails (never skips) under CI=true. Build first: `npx tsc -p .`.
 */
import { readFileSync, readdirSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCalibration } from '../../src/compress/calibration.js';
import { DEFAULT_PYTHON, finetuneModel } from '../../src/compress/finetune.js';
import { findWeightLayers, readRows } from '../../src/plan/layers.js';
import { type Plan, applyPlan, readPlan } from '../../src/plan/plan.js';
import { loadModel } from '../../src/model/load.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { ecgc } from '../helpers/cli.js';
import { BEATNET, writeBeatnetDataset } from '../helpers/compress.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { torchAvailable } from '../helpers/tools.js';

const hasTorch = torchAvailable('test/compress/finetune.test.ts');

const dir = mkdtempSync(join(tmpdir(), 'ecgc-finetune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const read = (file: string): Plan => JSON.parse(readFileSync(file, 'utf8'));

describe.runIf(hasTorch)('ecgc finetune', () => {
  const train = join(dir, 'train');
  const val = join(dir, 'val');
  const test = join(dir, 'test');
  const before = join(dir, 'q3.json');
  const after = join(dir, 'q3-ft.json');
  const model = join(dir, 'q3-ft.onnx');
  let finetune: Awaited<ReturnType<typeof ecgc>>;

  beforeAll(async () => {
    writeBeatnetDataset(train, 1500, 41);
    writeBeatnetDataset(val, 300, 31);
    writeBeatnetDataset(test, 300, 32);
    // 3 bits everywhere loses most of the fixture's accuracy: something for training to win back.
    expect((await ecgc(['compress', BEATNET, '--method', 'fixed-q:3', '--scales', 'bfloat16', '--data', val, '--test', test, '--out', before])).exitCode).toBe(0);
    // every progress line, not one per 30 s
    finetune = await ecgc(['finetune', BEATNET, '--plan', before, '--train', train, '--data', val, '--test', test, '--out', after, '--epochs', '3', '--lr', '1e-3'], { env: { ECGC_PROGRESS_SECONDS: '0' } });
    expect(finetune.stderr).not.toMatch(/internal error|Traceback/);
    expect(finetune.exitCode).toBe(0);
  }, 120_000);

  it('wins back accuracy, measured by the reference against the original model', () => {
    const q3 = read(before);
    const tuned = read(after);
    expect(q3.figures.data.final.accuracy!).toBeLessThan(0.6);
    expect(tuned.figures.data.final.accuracy!).toBeGreaterThan(q3.figures.data.final.accuracy! + 0.3);
    expect(tuned.figures.test!.final.accuracy!).toBeGreaterThan(q3.figures.test!.final.accuracy! + 0.3);
    // The baseline is the model the plan was made for, not the fine-tuned one.
    expect(tuned.figures.data.baseline).toEqual(q3.figures.data.baseline);
    expect(tuned.figures.test!.baseline).toEqual(q3.figures.test!.baseline);
    expect(tuned.finetune!.from).toEqual({ file: 'beatnet.onnx', sha256: q3.model.sha256 });
    expect(tuned.finetune!.train).toMatchObject({ dir: train, windows: 1500, labelled: true });
    expect(tuned.finetune!.epochKept).toBeGreaterThan(0);
    // the trainer's own scores (torch) on the validation windows: the reference's up to a window or two
    const printed = /fine-tuned: epoch (\d) of 3 kept; validation accuracy ([\d.]+)% before training, ([\d.]+)% after/.exec(finetune.stdout);
    expect(printed, finetune.stdout).not.toBeNull();
    expect(Number(printed![1])).toBe(tuned.finetune!.epochKept);
    expect(Math.abs(Number(printed![2]) - 100 * q3.figures.data.final.accuracy!)).toBeLessThanOrEqual(1);
    expect(Math.abs(Number(printed![3]) - 100 * tuned.figures.data.final.accuracy!)).toBeLessThanOrEqual(1);
  });

  it("shows the trainer's progress within an epoch (12 batches of 128 windows an epoch), apart from its log lines", () => {
    expect(finetune.stderr).toMatch(/^finetune: \d+% \(1\/36, epoch 1\/3\), \d+s elapsed/m);
    expect(finetune.stderr).not.toMatch(/^progress /m);
    expect(finetune.stderr).toMatch(/^finetune: epoch 1\/3: loss [\d.]+, validation accuracy/m);
  });

  it('keeps every choice and size of the plan, for a model whose weights are the quantized values', () => {
    const q3 = read(before);
    const tuned = read(after);
    expect(tuned.model.file).toBe('q3-ft.onnx');
    expect(tuned.method.rounding).toBe('nearest');
    expect(tuned.layers.map((l) => [l.node, l.bits, l.quantizer, l.prune, l.scaleFormat])).toEqual(q3.layers.map((l) => [l.node, l.bits, l.quantizer, l.prune, l.scaleFormat]));
    const graph = loadModel(model);
    const applied = applyPlan(graph, readPlan(after, graph, readFileSync(model)));
    for (const layer of findWeightLayers(graph)) {
      expectBitExact(readRows(applied, layer), readRows(graph, layer), layer.node);
    }
    expect(existsSync(join(dir, 'q3-ft.md'))).toBe(true);
    expect(readFileSync(join(dir, 'q3-ft.md'), 'utf8')).toMatch(/Fine-tuned/);
  });

  it('eval --plan reproduces the test figures, and verify --plan is bit-exact on the host', async () => {
    const tuned = read(after);
    const evaluation = await ecgc(['eval', model, '--plan', after, '--data', test, '--json']);
    expect(evaluation.exitCode).toBe(0);
    expect(JSON.parse(evaluation.stdout).accuracy).toBe(tuned.figures.test!.final.accuracy);
    const verify = await ecgc(['verify', model, '--plan', after, '--target', 'host']);
    expect(verify.stderr).toBe('');
    expect(verify.exitCode).toBe(0);
  }, 60_000);

  it('keeps the pruning mask of a pruned plan, label-free (distillation only)', async () => {
    const pruned = join(dir, 'pruned.json');
    const out = join(dir, 'pruned-ft.json');
    expect((await ecgc(['compress', BEATNET, '--method', 'laq+lap', '--max-drop', '5', '--data', join(val, 'X.npy'), '--out', pruned])).exitCode).toBe(0);
    const plan = read(pruned);
    expect(plan.layers.some((l) => l.prune > 0)).toBe(true);
    const result = await ecgc(['finetune', BEATNET, '--plan', pruned, '--train', join(train, 'X.npy'), '--data', join(val, 'X.npy'), '--out', out, '--epochs', '1']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/validation agreement/);
    expect(result.stdout).toMatch(/kept; validation agreement [\d.]+% before training, [\d.]+% after/);
    const tuned = read(out);
    expect(tuned.finetune!.train.labelled).toBe(false);
    expect(tuned.figures.labelFree).toBe(true);
    const original = loadModel(BEATNET);
    const graph = loadModel(join(dir, 'pruned-ft.onnx'));
    findWeightLayers(original).forEach((layer, i) => {
      const was = readRows(original, layer);
      const now = readRows(graph, findWeightLayers(graph)[i]);
      for (let k = 0; k < was.length; k++) if (Math.abs(was[k]) <= plan.layers[i].threshold) expect(now[k]).toBe(0);
      expect(tuned.layers[i].sparsity).toBeGreaterThanOrEqual(plan.layers[i].sparsity);
    });
  }, 60_000);

  it('trains an int8 plan through the rounding of its int8 activations, and measures it with the integer reference', async () => {
    const int8 = join(dir, 'int8.json');
    const coarse = join(dir, 'int8-coarse.json');
    const out = join(dir, 'int8-ft.json');
    expect((await ecgc(['compress', BEATNET, '--method', 'fixed-q:8', '--activations', 'int8', '--data', val, '--out', int8])).exitCode).toBe(0);
    // every activation 16 times coarser (about 4 bits): the integer reference loses what float32 activations keep
    const plan = read(int8);
    writeFileSync(coarse, JSON.stringify({ ...plan, activations: { ...plan.activations!, tensors: plan.activations!.tensors.map((t) => ({ ...t, scale: Math.fround(t.scale * 16) })) } }));
    const accuracyOf = async (args: string[]) => JSON.parse((await ecgc(['eval', BEATNET, ...args, '--data', val, '--json'])).stdout).accuracy as number;
    const [floatActivations, integer] = [await accuracyOf([]), await accuracyOf(['--plan', coarse])];
    expect(floatActivations - integer).toBeGreaterThan(0.05);
    const result = await ecgc(['finetune', BEATNET, '--plan', coarse, '--train', train, '--data', val, '--test', test, '--out', out, '--epochs', '2', '--lr', '1e-3']);
    expect(result.stderr).not.toMatch(/internal error|Traceback/);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/^finetune: int8 activations: \d+ values trained through their rounding$/m);
    // the trainer's score before training is the integer reference's (up to a window or two), not float32 activations'
    const printed = /validation accuracy ([\d.]+)% before training, ([\d.]+)% after/.exec(result.stdout);
    expect(Math.abs(Number(printed![1]) - 100 * integer)).toBeLessThanOrEqual(1);
    // Training wins back accuracy on the device's arithmetic. (torch's float32 sums round a value one
    // step away from the integer kernels' now and then, and at 4-bit activations those steps
    // compound: its own score after training is not the device's, which the plan's figures are.)
    const tuned = read(out);
    expect(tuned.activations).toEqual(read(coarse).activations);
    expect(tuned.figures.data.final.accuracy!).toBeGreaterThan(integer + 0.2);
    const evaluation = await ecgc(['eval', join(dir, 'int8-ft.onnx'), '--plan', out, '--data', test, '--json']);
    expect(JSON.parse(evaluation.stdout).accuracy).toBe(tuned.figures.test!.final.accuracy);
    const verify = await ecgc(['verify', join(dir, 'int8-ft.onnx'), '--plan', out, '--target', 'host']);
    expect(verify.exitCode, verify.stderr).toBe(0);
  }, 120_000);

  it("torch runs every fixture model it accepts as the reference does, and refuses the others by node and op", async () => {
    const refusals: Record<string, RegExp> = {
      bn_preserve_mode: /is not an initializer of the model \(ecgc computed it/,
      shape_view_static: /its batch dimension is fixed at 1/,
      linear_matmul_softmax_static: /its batch dimension is fixed at 1/,
      squeeze_after_pad_if: /node '\/If': op If is not supported by finetune \(supported: Add, .*Conv/,
      conv2d_1xk: /only 1-D convolutions are supported by finetune/,
      conv2d_1xk_batch4: /only 1-D convolutions are supported by finetune/,
      crnn_lstm: /\(LSTM\): finetune trains layers of one weight/,
      crnn_lstm_batch4: /\(LSTM\): finetune trains layers of one weight/,
      crnn_gru: /\(GRU\): finetune trains layers of one weight/,
    };
    const trained: string[] = [];
    for (const name of readdirSync(FIXTURES).filter((n) => existsSync(join(FIXTURES, n, 'model.onnx')))) {
      const fixture = join(FIXTURES, name, 'model.onnx');
      const input = join(FIXTURES, name, 'input.npy');
      const plan = join(dir, `${name}.json`);
      if (findWeightLayers(loadModel(fixture)).length === 0) continue;
      expect((await ecgc(['compress', fixture, '--method', 'fixed-q:8', '--data', input, '--out', plan])).exitCode).toBe(0);
      // The trainer's outputs of the original model are checked against the reference's on --data.
      const result = await ecgc(['finetune', fixture, '--plan', plan, '--train', input, '--data', input, '--out', join(dir, `${name}-ft.json`), '--epochs', '1']);
      if (refusals[name]) {
        expect(result.exitCode, name).toBe(1);
        expect(result.stderr.trim().split('\n').at(-1), name).toMatch(refusals[name]);
      } else {
        expect(result.stderr, name).not.toMatch(/internal error|Traceback/);
        expect(result.exitCode, name).toBe(0);
        trained.push(name);
      }
    }
    // (a fixed batch of 4 trains 4 windows a run, the last run padded)
    expect(trained).toEqual(expect.arrayContaining(['resnet1d', 'mobilenet1d', 'transformer_opset17', 'conv_groups_padding', 'pools_avg', 'global_pools_reduce', 'activations', 'se_resnet12_batch4', 'transformer_batch4', 'resnet1d_batch4']));
  }, 300_000);
});

describe.runIf(hasTorch)('ecgc finetune: bad input', () => {
  const val = join(dir, 'bad-val');
  const plan = join(dir, 'bad.json');
  beforeAll(async () => {
    writeBeatnetDataset(val, 100, 33);
    expect((await ecgc(['compress', BEATNET, '--method', 'fixed-q:4', '--data', val, '--out', plan])).exitCode).toBe(0);
  }, 60_000);
  const run = (...args: string[]) => ecgc(['finetune', BEATNET, '--train', val, '--data', val, '--out', join(dir, 'never.json'), ...args]);

  it.each([
    [['--plan', '__PLAN__', '--python', '/nonexistent/python3'], /finetune trains with torch: cannot run \/nonexistent\/python3 \(on Debian: apt-get install python3-torch python3-onnx, or give --python\)/],
    [['--plan', '__PLAN__', '--epochs', '0'], /--epochs/],
    [['--plan', '__PLAN__', '--epochs', '1.5'], /--epochs must be a whole number/],
    [['--plan', '__PLAN__', '--lr', 'fast'], /--lr/],
    [['--plan', '__PLAN__', '--model-out', BEATNET], /would overwrite the model being fine-tuned/],
    [['--plan', join(FIXTURES, 'resnet1d', 'model.onnx')], /not valid JSON/],
  ])('%j', async (args, message) => {
    const result = await run(...args.map((a) => (a === '__PLAN__' ? plan : a)));
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('refuses to train, before the first epoch, when torch does not run the model as the reference does', async () => {
    // The reference is given a graph one weight off the file torch loads: the two disagree.
    const graph = loadModel(BEATNET);
    const windows = readCalibration(val, graph, BEATNET);
    const planned = readPlan(plan, graph, readFileSync(BEATNET));
    (graph.constants.get(findWeightLayers(graph)[0].weight)!.data as Float32Array)[0] += 1;
    const logged: string[] = [];
    const settings = { epochs: 1, lr: 1e-3, batch: 32, seed: 0, python: DEFAULT_PYTHON, threads: 1 };
    const request = { graph, modelFile: BEATNET, plan: planned, train: windows, data: windows, modelOut: join(dir, 'never.onnx'), settings, version: 'test', log: (line: string) => logged.push(line) };
    await expect(finetuneModel(request)).rejects.toThrow(/internal: torch runs .*beatnet\.onnx differently from the reference interpreter \(max \|difference\| [\d.e+-]+ against outputs up to/);
    expect(logged.filter((line) => /epoch/.test(line))).toEqual([]);
  }, 60_000);

  it('refuses a plan for another model, and a codebook plan', async () => {
    const other = join(dir, 'other.json');
    expect((await ecgc(['compress', join(FIXTURES, 'mobilenet1d', 'model.onnx'), '--method', 'fixed-q:4', '--out', other])).exitCode).toBe(0);
    const wrong = await run('--plan', other);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/is a plan for another model/);
    const codebook = join(dir, 'codebook.json');
    expect((await ecgc(['compress', BEATNET, '--method', 'fixed-q:3', '--quantizer', 'codebook', '--data', val, '--out', codebook])).exitCode).toBe(0);
    const refused = await run('--plan', codebook);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/finetune trains uniform, uniform-layer, sign and float32 layers; a codebook's levels are not trained/);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  }, 60_000);
});
