/**
 * A kernel owns its scratch size: runtime-c's *_get_buffer_size says how many bytes a call
 * needs, and the TypeScript lowering (which the memory planner reads) must reserve exactly
 * that. Checked for every kernel step of every shipped model, with and without its plans
 * (dense, bitmap and delta rows), in both schedules, and of every fixture: the generated C
 * is compiled with a program that prints each step's get_buffer_size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { type Generated, generate } from '../../src/codegen/emit.js';
import { loadPlan } from '../../src/codegen/plan.js';
import { loadModel } from '../../src/model/load.js';
import { EXAMPLES, shippedPlans } from '../helpers/examples.js';
import { fixturePath, manifest } from '../helpers/fixtures.js';

/** get_buffer_size of each kernel step, as the compiled C computes it. */
async function askedByC(generated: Generated): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ecgc-buffer-size-'));
  try {
    for (const [file, content] of generated.files) writeFileSync(join(dir, basename(file)), content);
    const prints = generated.scratch.map((s) => `  printf("%zu\\n", ${s.check});`).join('\n');
    writeFileSync(join(dir, 'sizes.c'), `#include <stdio.h>\n#include "${generated.name}.c"\nint main(void) {\n${prints}\n  return 0;\n}\n`);
    const sources = generated.runtimeSources.map((f) => basename(f)).filter((f) => f.endsWith('.c') && f !== `${generated.name}.c`);
    await execa('gcc', ['-std=c99', '-I.', '-o', 'sizes', 'sizes.c', ...sources, '-lm'], { cwd: dir });
    const { stdout } = await execa('./sizes', [], { cwd: dir });
    return stdout ? stdout.split('\n').map(Number) : [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const examples = ['arrhythminet-v1', 'arrhythminet-v2', 'resnet1d', 'rhythm-stream', 'patch-beats', 'patch-rhythm'].flatMap((example) => [
  { name: `${example} float32`, model: join(EXAMPLES, example, 'model.onnx'), plan: undefined as string | undefined },
  ...shippedPlans(example).map((p) => ({ name: `${example} ${p.name}`, model: p.model, plan: p.plan })),
]);
const fixtures = manifest.map((f) => ({ name: `fixture ${f.name}`, model: fixturePath(f.name, 'model.onnx'), plan: undefined as string | undefined }));

describe('each kernel step reserves what its *_get_buffer_size asks for', () => {
  for (const model of [...examples, ...fixtures]) {
    // depth first in blocks of 4 too, where a plan packs the weights (float32 stages stay unblocked)
    for (const [schedule, streamBlock] of [['layers', 1], ['stream', 1], ...(model.plan ? [['stream', 4] as const] : [])] as const) {
      it(`${model.name}, ${schedule}${streamBlock > 1 ? ` in blocks of ${streamBlock}` : ''}`, async () => {
        const loaded = model.plan ? loadPlan(model.plan, model.model, loadModel(model.model)) : { graph: loadModel(model.model), quantization: undefined };
        const generated = generate(loaded.graph, basename(dirname(model.model)) + '.onnx', { target: 'host', schedule, streamBlock, quantization: loaded.quantization });
        const asked = await askedByC(generated);
        expect(asked).toEqual(generated.scratch.map((s) => s.bytes));
      });
    }
  }

  it('the shipped plans exercise every kernel that has scratch, with packed rows', () => {
    const kinds = new Set<string>();
    let packed = 0;
    for (const model of examples.filter((m) => m.plan)) {
      const { graph, quantization } = loadPlan(model.plan!, model.model, loadModel(model.model));
      for (const schedule of ['layers', 'stream'] as const) {
        for (const s of generate(graph, 'm.onnx', { target: 'host', schedule, quantization }).scratch) {
          kinds.add(s.check.replace(/\(.*/, ''));
          if (s.bytes > 0) packed++;
        }
      }
    }
    expect([...kinds].sort()).toEqual(['ecgc_conv1d_f32_get_buffer_size', 'ecgc_conv1d_s8_get_buffer_size', 'ecgc_linear_f32_get_buffer_size', 'ecgc_linear_s8_get_buffer_size', 'ecgc_stream_f32_get_buffer_size', 'ecgc_stream_s8_get_buffer_size']);
    expect(packed).toBeGreaterThan(10);
  });
});
