/**
 * Generated C on the host: time per inference of a compressed build (4-bit weights, and
 * 4-bit with 60% of the weights pruned, encodings as src/pack chooses them) against the
 * dense float32 build of the same model by ecgc, measured in one run; weight bytes beside.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { generate } from '../codegen/emit.js';
import type { LayerQuantization } from '../codegen/weights.js';
import { sizeOf, type Graph } from '../ir/graph.js';
import { summarize } from '../model/summary.js';
import { C_FLAGS } from '../toolchain/host.js';
import { withTemporaryDirectory } from '../util/files.js';

const TIMING = fileURLToPath(new URL('../../src/bench/timing.c', import.meta.url));

/** The p-th percentile of |w| over a layer's weights, as a pruning threshold. */
function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values, Math.abs).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function quantizeAll(graph: Graph, bits: number, pruned: number): Map<string, LayerQuantization> {
  const q = new Map<string, LayerQuantization>();
  for (const node of graph.nodes) {
    if (node.op !== 'Conv' && node.op !== 'Gemm') continue;
    const w = graph.constants.get(node.inputs[1])!.data;
    q.set(node.name, { spec: { bits, quantizer: 'uniform', threshold: pruned > 0 ? percentile(w, pruned) : -1 } });
  }
  return q;
}

async function timeBuild(graph: Graph, name: string, quantization: Map<string, LayerQuantization> | undefined, dir: string): Promise<{ seconds: number; weightBytes: number }> {
  const generated = generate(graph, `${name}.onnx`, { target: 'host', quantization });
  const build = join(dir, name);
  for (const [file, content] of generated.files) {
    const path = join(build, file);
    await execa('mkdir', ['-p', join(path, '..')]);
    writeFileSync(path, content);
  }
  const inputSize = sizeOf(graph.values.get(graph.inputs[0])!.shape);
  const outputSize = sizeOf(graph.values.get(graph.outputs[0])!.shape);
  const defines = [`-DMODEL_HEADER="${generated.name}.h"`, `-DMODEL_RUN=${generated.name}_run`, `-DMODEL_INPUT=${inputSize}`, `-DMODEL_OUTPUT=${outputSize}`, '-D_POSIX_C_SOURCE=199309L'];
  await execa('gcc', [...C_FLAGS.filter((f) => f !== '-pedantic'), '-O2', ...defines, '-I.', '-Iruntime', '-o', 'timing', ...generated.runtimeSources, TIMING], { cwd: build });
  const macs = summarize(graph).totals.macs;
  const repeats = Math.max(5, Math.round(3e8 / macs));
  const { stdout } = await execa(join(build, 'timing'), [String(repeats)]);
  return { seconds: Number(stdout), weightBytes: generated.weightBytes };
}

export async function benchGeneratedC(name: string, graph: Graph): Promise<void> {
  return withTemporaryDirectory('ecgc-bench-c-', async (dir) => {
    const dense = await timeBuild(graph, `${name}_f32`, undefined, dir);
    const ms = (s: number) => `${(s * 1e3).toFixed(3)} ms`;
    console.log(`  generated C, host gcc -O2: float32 ${ms(dense.seconds)}/inference, weights ${(dense.weightBytes / 1024).toFixed(1)} KB`);
    for (const [label, bits, pruned] of [['4-bit', 4, 0], ['4-bit, 60% pruned', 4, 0.6]] as const) {
      const c = await timeBuild(graph, `${name}_q${bits}_${pruned * 100}`, quantizeAll(graph, bits, pruned), dir);
      console.log(`    ${label.padEnd(18)} ${ms(c.seconds)}/inference (${(c.seconds / dense.seconds).toFixed(2)}x the float32 build's time), weights ${(c.weightBytes / 1024).toFixed(1)} KB (${(dense.weightBytes / c.weightBytes).toFixed(2)}x smaller)`);
    }
  });
}
