/**
 * Verification on the host: the generated C is compiled with gcc at each optimisation level,
 * run on the inputs, and every output's float32 bits are compared with the reference
 * interpreter running the same graph (the deployed weights). Bit-exact or a mismatch report.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Graph, sizeOf } from '../ir/graph.js';
import { compileGraph, runBatch } from '../ref/interpreter.js';
import { buildHost, runHarness } from '../toolchain/host.js';
import { type Generated, generate, harnessSource } from './emit.js';
import type { LayerQuantization } from './weights.js';

export interface Mismatch {
  optimization: string;
  sample: number;
  index: number;
  expected: number;
  actual: number;
}

export interface VerifyResult {
  generated: Generated;
  count: number;
  optimizations: string[];
  compileSeconds: number;
  mismatch?: Mismatch;
}

export interface VerifyOptions {
  name?: string;
  quantization?: Map<string, LayerQuantization>;
  optimizations?: string[];
  /** Extra build flags and a runner, for sanitizer and valgrind runs. */
  extraFlags?: string[];
  valgrind?: boolean;
  env?: Record<string, string>;
}

export async function verifyHost(graph: Graph, source: string, inputs: Float32Array, count: number, options: VerifyOptions = {}): Promise<VerifyResult> {
  const generated = generate(graph, source, { name: options.name, quantization: options.quantization, target: 'host' });
  const expected = runBatch(compileGraph(generated.reference), inputs, count);
  const expectedBits = new Uint32Array(expected.buffer);
  const outputSize = sizeOf(graph.values.get(graph.outputs[0])!.shape);
  const optimizations = options.optimizations ?? ['-O0', '-O2', '-O3'];
  const dir = mkdtempSync(join(tmpdir(), 'ecgc-verify-'));
  let compileSeconds = 0;
  try {
    for (const [file, content] of generated.files) {
      writeFileSync(join(dir, file.replace(/^runtime\//, '')), content);
    }
    writeFileSync(join(dir, 'harness.c'), harnessSource(generated.name));
    writeFileSync(join(dir, 'input.bin'), inputs);
    const sources = [...generated.runtimeSources.map((f) => f.replace(/^runtime\//, '')), 'harness.c'];
    for (const optimization of optimizations) {
      compileSeconds += await buildHost({ dir, sources, output: 'model', optimization, extraFlags: options.extraFlags });
      await runHarness('./model', ['input.bin', 'output.bin'], dir, { valgrind: options.valgrind, env: options.env });
      const actual = new Uint32Array(Uint8Array.from(readFileSync(join(dir, 'output.bin'))).buffer);
      for (let i = 0; i < expectedBits.length; i++) {
        if (actual[i] !== expectedBits[i]) {
          const asFloat = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0];
          return { generated, count, optimizations, compileSeconds, mismatch: { optimization, sample: Math.floor(i / outputSize), index: i % outputSize, expected: asFloat(expectedBits[i]), actual: asFloat(actual[i] ?? 0) } };
        }
      }
      if (actual.length !== expectedBits.length) {
        return { generated, count, optimizations, compileSeconds, mismatch: { optimization, sample: Math.floor(actual.length / outputSize), index: 0, expected: NaN, actual: NaN } };
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { generated, count, optimizations, compileSeconds };
}
