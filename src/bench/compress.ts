/**
 * The compression search's speed: `laq+lap` on ArrhythmiNet V1 with 5,000 validation
 * windows (beats-nlrav, random-val; a seeded sample of the split), timed end to end
 * (full-model baseline, search, final figures), with the number of full-model-equivalent
 * evaluations it ran. Target: under 2 minutes on the 2-core machine.
 *
 *   node dist/bench/compress.js [model.onnx] [mitdb dir] [windows]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { FLOAT_BITS } from '../plan/quantize.js';
import { compressModel } from '../compress/compress.js';
import { buildDataset } from '../data/tasks.js';
import { loadModel } from '../model/load.js';
import { readFileOrFail } from '../util/files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const [model = join(ROOT, 'examples', 'arrhythminet-v1', 'model.onnx'), mitdb = join(ROOT, '..', 'shared', 'data', 'mitdb'), windowsText = '5000'] = process.argv.slice(2);

if (!existsSync(model) || !existsSync(mitdb)) {
  console.log(`ecgc compress bench: skipped (${!existsSync(model) ? `no model at ${model}` : `no MIT-BIH data at ${mitdb}`})`);
  process.exit(0);
}

const dataset = buildDataset(mitdb, 'beats-nlrav', 'random-val');
const wanted = Math.min(Number(windowsText), dataset.y.length);
// A seeded sample of the split (its order follows the records).
const order = Array.from({ length: dataset.y.length }, (_, i) => i);
let state = 12345;
for (let i = order.length - 1; i > 0; i--) {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  const j = Math.floor((state / 2 ** 32) * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
const size = dataset.shape[1] * dataset.shape[2];
const x = new Float32Array(wanted * size);
const y = new Int32Array(wanted);
order.slice(0, wanted).forEach((from, to) => {
  x.set(dataset.x.subarray(from * size, (from + 1) * size), to * size);
  y[to] = dataset.y[from];
});

const graph = loadModel(model);
const start = performance.now();
const { plan } = await compressModel({
  graph,
  modelFile: model,
  modelBytes: readFileOrFail(model),
  data: { x, count: wanted, labels: y, classNames: dataset.meta.classes, source: 'beats-nlrav random-val', description: '' },
  settings: { method: { kind: 'laq+lap' }, metric: 'accuracy', maxDrop: 0.5, alpha: 0.5, beta: 0.5, laqRule: 'intended', quantizer: 'uniform', scaleFormat: 'float32', rounding: 'nearest' },
  version: 'bench',
});
const seconds = (performance.now() - start) / 1000;
const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(2));
console.log(`ecgc compress bench: laq+lap (intended rule, max drop 0.5 points) on ${model}, ${wanted} windows of beats-nlrav random-val`);
console.log(`  time ${seconds.toFixed(1)} s (target < 120 s), ${plan.search.evaluations} full-model-equivalent evaluations, ${plan.search.candidates} candidates`);
console.log(`  accuracy ${pct(plan.figures.data.baseline.accuracy)}% -> ${pct(plan.figures.data.final.accuracy)}%, layers ${plan.totals.layers.bytes} bytes, CR ${plan.totals.layers.compressionRatio.toFixed(2)}x`);
console.log(`  per layer (bits/pruned %, float32 bytes -> bytes): ${plan.layers.map((l) => `${l.bits === FLOAT_BITS ? 'f32' : l.bits}/${Math.round(100 * l.sparsity)} ${l.float32Bytes}->${l.bytes.total}`).join(', ')}`);
