/**
 * npm run bench: the reference interpreter's speed (MACs per second, one thread and both
 * cores) on the two benchmark models, against the same computation in plain C
 * (gcc -O2 -ffp-contract=off) measured in the same run, with the C output's bits checked
 * against the reference; then ecgc's generated C, compressed against dense float32.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Graph } from '../ir/graph.js';
import { optimize } from '../model/load.js';
import { summarize } from '../model/summary.js';
import { buildModel, type ModelSpec } from '../onnx/build.js';
import { importModel } from '../onnx/import.js';
import { compileGraph } from '../ref/interpreter.js';
import { BatchRunner } from '../ref/parallel.js';
import { benchGeneratedC } from './codegen.js';
import { withTemporaryDirectory } from '../util/files.js';
import { depthwiseSeparableCnn, resnet1d } from './models.js';

const PLAIN_C = fileURLToPath(new URL('../../src/bench/plain.c', import.meta.url));

/** Runs `fn` until at least `seconds` have passed; returns seconds per call. */
function timePerCall(fn: () => void, seconds = 1.5): number {
  fn(); // warm-up (JIT)
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    fn();
    calls++;
  }
  return (performance.now() - start) / 1000 / calls;
}

/** Lowers the graph to plain.c's op program: Conv, Relu, Add, GlobalAveragePool, Flatten, Gemm. */
function lowerToPlainC(graph: Graph): { program: string; weights: Float32Array } {
  const index = new Map<string, number>();
  const sizes: number[] = [];
  const bufferOf = (name: string) => {
    if (!index.has(name)) {
      index.set(name, sizes.length);
      sizes.push(graph.values.get(name)!.shape.reduce((a, b) => a * b, 1));
    }
    return index.get(name)!;
  };
  const chunks: Float32Array[] = [];
  let offset = 0;
  const place = (name: string | undefined): number => {
    if (!name) return -1;
    const data = graph.constants.get(name)!.data as Float32Array;
    chunks.push(data);
    offset += data.length;
    return offset - data.length;
  };
  bufferOf(graph.inputs[0]);
  const lines: string[] = [];
  const line = (kind: string, a: number, b: number, out: number, w: number, bias: number, p: number[]) =>
    lines.push([kind, a, b, out, w, bias, ...p, ...new Array(9 - p.length).fill(0)].join(' '));
  for (const node of graph.nodes) {
    const x = graph.values.get(node.inputs[0])!.shape;
    const y = graph.values.get(node.outputs[0])!.shape;
    if (node.op === 'Flatten') {
      index.set(node.outputs[0], bufferOf(node.inputs[0]));
      continue;
    }
    const [a, b, out] = [bufferOf(node.inputs[0]), node.op === 'Add' ? bufferOf(node.inputs[1]) : 0, bufferOf(node.outputs[0])];
    if (node.op === 'Conv') {
      const w = graph.values.get(node.inputs[1])!.shape;
      const attrs = node.attrs as Record<string, number[] | number>;
      line('conv', a, 0, out, place(node.inputs[1]), place(node.inputs[2]), [x[1], w[0], x[2], y[2], w[2], (attrs.strides as number[])[0], 1, (attrs.pads as number[])[0], attrs.group as number]);
    } else if (node.op === 'Relu' || node.op === 'Add') {
      line(node.op.toLowerCase(), a, b, out, -1, -1, [y.reduce((p, d) => p * d, 1)]);
    } else if (node.op === 'GlobalAveragePool') {
      line('gap', a, 0, out, -1, -1, [x[1], x[2]]);
    } else if (node.op === 'Gemm') {
      line('gemm', a, 0, out, place(node.inputs[1]), place(node.inputs[2]), [x[1], y[1]]);
    } else {
      throw new Error(`plain C bench: no lowering for ${node.op}`);
    }
  }
  const weights = new Float32Array(offset);
  chunks.reduce((at, c) => (weights.set(c, at), at + c.length), 0);
  const header = `buffers ${sizes.length} input 0 output ${index.get(graph.outputs[0])}\n${sizes.join(' ')}\n`;
  return { program: header + lines.join('\n') + '\n', weights };
}

async function plainC(graph: Graph, input: Float32Array, dir: string, binary: string, repeats: number) {
  const { program, weights } = lowerToPlainC(graph);
  writeFileSync(join(dir, 'program.txt'), program);
  writeFileSync(join(dir, 'weights.bin'), weights);
  writeFileSync(join(dir, 'input.bin'), input);
  const { stdout } = await execa(binary, [join(dir, 'program.txt'), join(dir, 'weights.bin'), join(dir, 'input.bin'), String(repeats)]);
  const [seconds, ...bits] = stdout.trim().split('\n');
  return { seconds: Number(seconds), bits: bits.map((b) => parseInt(b, 16)) };
}

/** Seconds per sample for a batch run on `threads` worker threads (best of 3, after a warm-up). */
async function batchSeconds(graph: Graph, threads: number, inputs: Float32Array, batch: number): Promise<number> {
  const runner = new BatchRunner(graph, threads, true);
  try {
    await runner.run(inputs.slice(), batch);
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      await runner.run(inputs.slice(), batch);
      best = Math.min(best, (performance.now() - start) / 1000 / batch);
    }
    return best;
  } finally {
    await runner.close();
  }
}

async function benchModel(name: string, spec: ModelSpec, dir: string, binary: string): Promise<void> {
  const graph = optimize(importModel(buildModel(spec), `${name}.onnx`));
  const { params, macs } = summarize(graph).totals;
  const compiled = compileGraph(graph);
  const input = new Float32Array(compiled.inputSizes[0]).map((_, i) => Math.sin(i / 7) + 0.1 * Math.cos(i / 3));

  const tsSeconds = timePerCall(() => compiled.run([input]));
  const output = compiled.run([input])[0];

  const batch = Math.min(64, Math.max(8, Math.round(4e8 / macs)));
  const inputs = new Float32Array(batch * input.length);
  for (let n = 0; n < batch; n++) inputs.set(input, n * input.length);
  const [oneWorker, twoWorkers] = [await batchSeconds(graph, 1, inputs, batch), await batchSeconds(graph, 2, inputs, batch)];

  const repeats = Math.max(3, Math.round(1.5 / (macs * 2e-9)));
  const c = await plainC(graph, input, dir, binary, repeats);
  const bitExact = c.bits.length === output.length && c.bits.every((b, i) => b === new Uint32Array(output.buffer)[i]);

  const rate = (s: number) => `${(macs / s / 1e6).toFixed(0).padStart(6)} M MAC/s`;
  console.log(`\n${name}: ${params.toLocaleString('en-US')} parameters, ${macs.toLocaleString('en-US')} MACs per inference`);
  console.log(`  TS reference, 1 thread   ${rate(tsSeconds)}  ${(tsSeconds * 1e3).toFixed(3)} ms/inference`);
  console.log(`  TS reference, batch of ${batch}, 1 worker thread  ${rate(oneWorker)}`);
  console.log(`  TS reference, batch of ${batch}, 2 worker threads ${rate(twoWorkers)}  (${(oneWorker / twoWorkers).toFixed(2)}x one worker)`);
  console.log(`  plain C -O2 -ffp-contract=off ${rate(c.seconds)}  ${(c.seconds * 1e3).toFixed(3)} ms/inference`);
  console.log(`  ratio TS (1 thread) / C: ${(c.seconds / tsSeconds).toFixed(2)}x   (target >= 0.30x)`);
  console.log(`  C output bit-identical to the TS reference: ${bitExact ? 'yes' : 'NO'}`);
  await benchGeneratedC(name.split(',')[0].replace(/\W+/g, '_').toLowerCase(), graph);
}

const MODELS: Record<string, [string, () => ModelSpec]> = {
  dscnn: ['depthwise-separable CNN, input [1, 256]', depthwiseSeparableCnn],
  resnet: ['ResNet1D, input [1, 5120]', resnet1d],
};

// Each model is measured in a process of its own, so no figure pays for another model's JIT state.
const [model, binary, dir] = process.argv.slice(2);
if (model) {
  const [name, build] = MODELS[model];
  await benchModel(name, build(), dir, binary);
} else {
  await withTemporaryDirectory('ecgc-bench-', async (work) => {
    const plain = join(work, 'plain');
    await execa('gcc', ['-O2', '-ffp-contract=off', '-std=c99', '-D_POSIX_C_SOURCE=199309L', '-o', plain, PLAIN_C]);
    console.log('ecgc bench: reference interpreter against plain C (same machine, same run)');
    for (const key of Object.keys(MODELS)) {
      await execa(process.execPath, [fileURLToPath(import.meta.url), key, plain, work], { stdio: 'inherit' });
    }
  });
}
