/** The torch-exported fixtures in test/fixtures (made by make_fixtures.py). */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { join } from 'node:path';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { compileGraph, runBatch } from '../../src/ref/interpreter.js';
import { readNpyFloat32 } from '../../src/util/npy.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export interface FixtureEntry {
  name: string;
  opset: number;
  description: string;
  ops: string[];
  dynamic_batch: boolean;
  /** torch's input and output for the samples in input.npy/output.npy. */
  input_shape: number[];
  output_shape: number[];
  known_issue?: string;
  /** A fixed batch larger than 1 the fixture was exported with (one run takes that many windows). */
  export_batch?: number;
  /** A model quantized in ONNX: its output's scale, the step within which outside references agree (expectAgreement). */
  output_step?: number;
}

export const manifest: FixtureEntry[] = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));

export function fixturePath(name: string, file: string): string {
  return join(FIXTURES, name, file);
}

export function loadFixture(name: string) {
  const graph = loadModel(fixturePath(name, 'model.onnx'));
  const input = readNpyFloat32(fixturePath(name, 'input.npy'));
  const expected = readNpyFloat32(fixturePath(name, 'output.npy'));
  return { graph, input, expected };
}

export function runReference(graph: Graph, input: Float32Array, count: number): Float32Array {
  return runBatch(compileGraph(graph), input, count);
}

/** max |a - b| / max |b|: the project's tolerance measure against outside references. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxError = 0;
  let maxMagnitude = 0;
  for (let i = 0; i < expected.length; i++) {
    maxError = Math.max(maxError, Math.abs(actual[i] - expected[i]));
    maxMagnitude = Math.max(maxMagnitude, Math.abs(expected[i]));
  }
  return maxError / maxMagnitude;
}

/** Outside references (torch, onnxruntime) agree to this relative error; ecgc's own C must be bit-exact. */
export const ORACLE_TOLERANCE = 1e-5;

/**
 * How far an outside reference's outputs may be from the reference interpreter's: within
 * ORACLE_TOLERANCE; for a model quantized in ONNX, within one step of its output's scale (its
 * int8 kernels requantize with a fixed-point multiplier and round half away from zero, where
 * float32 arithmetic rounds half to even: a value a hair from a midpoint may round the other
 * way).
 */
export function expectAgreement(actual: ArrayLike<number>, expected: ArrayLike<number>, entry: Pick<FixtureEntry, 'output_step'>): void {
  expect(actual.length).toBe(expected.length);
  if (!entry.output_step) {
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
    return;
  }
  const steps = Array.from(actual, (a, i) => Math.abs(a - expected[i]) / entry.output_step!);
  expect(Math.max(...steps)).toBeLessThanOrEqual(1 + 1e-3);
}
