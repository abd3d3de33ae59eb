/**
 * The op registry is the one list of ops: each definition names its op once, and every C
 * kernel a definition lowers to is declared in runtime-c/ecgc.h and defined in the runtime
 * files it names (a kernel missing from its files would only show as a link error in a
 * user's firmware). Kernels carry their element type: ecgc_<op>[_variant]_f32.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_DIR, generate } from '../../src/codegen/emit.js';
import { loadModel } from '../../src/model/load.js';
import { C_OPS, SUPPORTED_OPS, opDef } from '../../src/ops/index.js';
import type { CKernel } from '../../src/ops/lowering.js';
import { EXAMPLES } from '../helpers/examples.js';
import { fixturePath, manifest } from '../helpers/fixtures.js';
import { LOGIC_MODELS } from '../helpers/logic-models.js';
import { graphOf } from '../helpers/model.js';

const header = readFileSync(join(RUNTIME_DIR, 'ecgc.h'), 'utf8');

/** Every kernel the C of every fixture and example calls, in both schedules. */
function kernelsCalled(): Map<string, CKernel> {
  const kernels = new Map<string, CKernel>();
  const models = [...manifest.map((f) => fixturePath(f.name, 'model.onnx')), ...['arrhythminet-v2', 'resnet1d', 'rhythm-stream'].map((e) => join(EXAMPLES, e, 'model.onnx'))];
  for (const model of models) {
    const graph = loadModel(model);
    for (const schedule of ['layers', 'stream'] as const) {
      for (const kernel of generate(graph, 'm.onnx', { target: 'host', schedule }).kernels) kernels.set(kernel.name, kernel);
    }
  }
  return kernels;
}

const SRC = join(import.meta.dirname, '..', '..', 'src');
const def = (op: string) => opDef({ name: 'n', op, inputs: [], outputs: [], attrs: {} });

describe('the op registry', () => {
  it('names each op once, in its definition (Constant: in the importer); no other source file names one', () => {
    expect(new Set(SUPPORTED_OPS).size).toBe(SUPPORTED_OPS.length);
    expect(SUPPORTED_OPS).not.toContain('ChannelAffine'); // made by a pass, not read from a file
    const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.startsWith('bench'))
      .map((file) => ({ file, text: readFileSync(join(SRC, file), 'utf8') }));
    for (const op of [...SUPPORTED_OPS, 'ChannelAffine']) {
      const naming = sources.filter((s) => s.text.includes(`'${op}'`)).map((s) => s.file);
      expect(naming, op).toEqual(op === 'Constant' ? [join('onnx', 'import.ts')] : [naming.find((f) => f.startsWith(`ops${sep}`))]);
    }
  });

  it("is the README's list of the ops ecgc reads", () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const list = /\bOps:\s+([^.]*)\./.exec(readme.slice(readme.indexOf('## What it reads')))![1];
    expect(list.replace(/\s*\([^)]*\)/g, '').split(/,\s*/)).toEqual(SUPPORTED_OPS);
  });

  it('compiles every op it lists as a C op in some fixture or ONNX node test, bit-exact', () => {
    const nodeTests = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'onnx', 'node-tests.expected.json'), 'utf8')) as Record<string, { ops: string; c?: string }>;
    const compiled = new Set(Object.values(nodeTests).flatMap((t) => (t.c === 'bit-exact' ? t.ops.split(' ') : [])));
    for (const f of manifest) for (const node of loadModel(fixturePath(f.name, 'model.onnx')).nodes) compiled.add(node.op); // test/codegen/host.test.ts
    compiled.add('ReduceLogSumExp'); // test/ops/reduce.test.ts (its node tests take float64 but the empty one, which has no C array)
    for (const spec of Object.values(LOGIC_MODELS)) for (const node of graphOf(spec).nodes) compiled.add(node.op); // test/ops/logic.test.ts (bool tensors: the node tests' graphs take or give bool, which the C API does not)
    // the integer mode's ops: test/quant/integer-mode.test.ts verifies each bit-exact (and checks it did)
    for (const op of C_OPS) if (def(op).cTypes?.includes('int8')) compiled.add(op);
    for (const op of C_OPS) expect(def(op).lower !== undefined || def(op).view === true, op).toBe(true);
    expect(C_OPS.filter((op) => !compiled.has(op))).toEqual([]);
    expect(C_OPS).not.toContain('Shape'); // folded to a constant: no C
  });

  it('declares every kernel in ecgc.h and defines it in the files it names', () => {
    const kernels = kernelsCalled();
    expect(kernels.size).toBeGreaterThan(15);
    for (const kernel of kernels.values()) {
      expect(kernel.name).toMatch(/^ecgc_[a-z0-9_]+_(f32|bool|s8)$/);
      expect(header, `${kernel.name} in ecgc.h`).toMatch(new RegExp(`\\b${kernel.name}\\(`));
      const definitions = kernel.files.filter((file) => new RegExp(`^(?:[a-z].*\\b|ECGC_[A-Z0-9]+\\()${kernel.name}\\b`, 'm').test(readFileSync(join(RUNTIME_DIR, file), 'utf8')));
      expect(definitions, `${kernel.name} defined in ${kernel.files.join(', ')}`).toHaveLength(1);
    }
  });
});
