/**
 * <name>_preprocess (the generated C of the dataset's preprocessing) against the reference's
 * (src/data/preprocess.ts, composed as the dataset builders compose it), bit for bit on host
 * gcc at -O0 and -O2 with the strict flags: beat windows (z-score), rhythm windows (resampling
 * 360 -> 500 Hz, zero padding, z-score), two leads; its square root against Math.sqrt.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIME_DIR, generate } from '../../src/codegen/emit.js';
import { type PreprocessSpec, preprocessReference, preprocessSource, preprocessSpec } from '../../src/codegen/preprocess.js';
import { modelData } from '../../src/data/model-data.js';
import { loadModel } from '../../src/model/load.js';
import { buildHost } from '../../src/toolchain/host.js';
import { expectBitExact, float32sOf } from '../helpers/bit-exact.js';
import { EXAMPLES } from '../helpers/examples.js';
import { lcg } from '../helpers/random.js';

/** The runtime file every model's <name>_preprocess shares (its z-score and square root). */
const RUNTIME_PREPROCESS = join(RUNTIME_DIR, 'ecgc_preprocess.c');

const dir = mkdtempSync(join(tmpdir(), 'ecgc-preprocess-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HARNESS = `#include <stdio.h>
#include <stdlib.h>
#include "net.h"
int main(int argc, char **argv) {
  static float raw[NET_LEADS * NET_RAW], input[NET_LEADS * NET_INPUT];
  FILE *in, *out;
  long n, w;
  if (argc != 4) return 1;
  n = atol(argv[1]);
  in = fopen(argv[2], "rb");
  out = fopen(argv[3], "wb");
  if (in == NULL || out == NULL) return 1;
  for (w = 0; w < n; w++) {
    if (fread(raw, sizeof raw, 1, in) != 1) return 2;
    net_preprocess(raw, input);
    fwrite(input, sizeof input, 1, out);
  }
  fclose(in);
  fclose(out);
  return 0;
}
`;

/** Windows of raw millivolts: a baseline offset, a QRS-like spike and noise, so every step matters. */
function rawWindows(spec: PreprocessSpec, count: number, seed: number): Float32Array {
  const next = lcg(seed);
  const raw = new Float32Array(count * spec.leads * spec.rawSamples);
  for (let i = 0; i < raw.length; i++) {
    const t = i % spec.rawSamples;
    raw[i] = Math.fround(-0.4 + 0.3 * (i % 7) / 7 + (t % 90 < 4 ? 1.7 : 0) + 0.05 * (next() - 0.5) + 0.01 * Math.sin(t / 13));
  }
  raw.fill(0.25, 0, spec.rawSamples); // a flat lead: std 0, epsilon alone
  return raw;
}

async function compareWithReference(spec: PreprocessSpec, count: number, seed: number): Promise<void> {
  const header = `float net_mv(long adc, long baseline, double gain);\nvoid net_preprocess(const float *raw, float *input);\n#define NET_LEADS ${spec.leads}\n#define NET_RAW ${spec.rawSamples}\n#define NET_INPUT ${spec.inputLength}\n`;
  writeFileSync(join(dir, 'net.h'), header);
  writeFileSync(join(dir, 'net_preprocess.c'), preprocessSource(spec, 'net', { version: 'test', source: 'net.onnx' }));
  writeFileSync(join(dir, 'main.c'), HARNESS);
  const raw = rawWindows(spec, count, seed);
  writeFileSync(join(dir, 'raw.bin'), raw);
  const expected = new Float32Array(count * spec.leads * spec.inputLength);
  const window = spec.leads * spec.rawSamples;
  for (let w = 0; w < count; w++) expected.set(preprocessReference(spec, raw.subarray(w * window, (w + 1) * window)), w * spec.leads * spec.inputLength);
  for (const optimization of ['-O0', '-O2']) {
    await buildHost({ dir, sources: ['main.c', 'net_preprocess.c', RUNTIME_PREPROCESS], output: 'pre', optimization, extraFlags: [`-I${RUNTIME_DIR}`] });
    await execa(join(dir, 'pre'), [String(count), 'raw.bin', 'out.bin'], { cwd: dir });
    expectBitExact(float32sOf(readFileSync(join(dir, 'out.bin'))), expected, optimization);
  }
  // z-scoring was not trivial: the outputs are not the inputs
  if (spec.epsilon !== null) expect(expected.slice(spec.inputLength, spec.inputLength + 8)).not.toEqual(raw.slice(spec.rawSamples, spec.rawSamples + 8));
}

describe('<name>_preprocess equals the reference bit for bit', () => {
  it('beat windows (ArrhythmiNet V2: 256 samples at 360 Hz, z-score)', async () => {
    const file = join(EXAMPLES, 'arrhythminet-v2', 'model.onnx');
    const graph = loadModel(file);
    const spec = preprocessSpec(modelData(graph, file)!, graph.values.get(graph.inputs[0])!.shape)!;
    expect(spec).toEqual({ leads: 1, rawSamples: 256, sourceRate: 360, signalSamples: 256, inputLength: 256, resample: null, epsilon: 0.001 });
    await compareWithReference(spec, 16, 1);
  });

  it('rhythm windows (ResNet1D: 3600 samples at 360 Hz -> 5000 at 500 Hz, padded to 5120, z-score)', async () => {
    const file = join(EXAMPLES, 'resnet1d', 'model.onnx');
    const graph = loadModel(file);
    const spec = preprocessSpec(modelData(graph, file)!, graph.values.get(graph.inputs[0])!.shape)!;
    expect(spec).toEqual({ leads: 1, rawSamples: 3600, sourceRate: 360, signalSamples: 5000, inputLength: 5120, resample: { from: 360, to: 500 }, epsilon: 0.001 });
    await compareWithReference(spec, 3, 2);
  });

  it('two leads, padded, resampled down', async () => {
    await compareWithReference({ leads: 2, rawSamples: 500, sourceRate: 500, signalSamples: 360, inputLength: 384, resample: { from: 500, to: 360 }, epsilon: 0.001 }, 4, 3);
  });

  it('is in the generated header and ecgc.mk, and compiles with the model', () => {
    const file = join(EXAMPLES, 'arrhythminet-v2', 'model.onnx');
    const generated = generate(loadModel(file), file, { target: 'host', name: 'v2' });
    expect(generated.files.get('v2.h')).toMatch(/^void v2_preprocess\(const float \*raw, float \*input\);$/m);
    expect(generated.files.get('v2.h')).toMatch(/^#define V2_RAW_SAMPLES 256 /m);
    expect(generated.files.get('ecgc.mk')).toContain('v2_preprocess.c');
    expect(generated.runtimeSources).toContain('v2_preprocess.c');
    // its z-score is the runtime's, one copy for every model
    expect(generated.runtimeSources).toContain('runtime/ecgc_preprocess.c');
    expect(generated.files.get('v2_preprocess.c')).toContain('ecgc_zscore_f32(out, 256, 0.001);');
  });
});

describe('the square root of the z-score', () => {
  it('is correctly rounded: the bits of Math.sqrt on normal, subnormal and extreme doubles', async () => {
    const next = lcg(9);
    const values = [0, 1, 2, 0.25, 1e-3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 4503599627370497, 0.1 * 0.1];
    const bits = new Uint32Array(2);
    const asDouble = new Float64Array(bits.buffer);
    for (let i = 0; i < 20000; i++) {
      bits[0] = Math.floor(next() * 2 ** 32);
      bits[1] = Math.floor(next() * 0x7ff00000); // positive, finite
      values.push(asDouble[0]);
    }
    writeFileSync(join(dir, 'values.bin'), Float64Array.from(values));
    writeFileSync(
      join(dir, 'sqrt.c'),
      `#include <stdio.h>\n#include "ecgc.h"\nint main(void) {\n  double x;\n  FILE *in = fopen("values.bin", "rb"), *out = fopen("roots.bin", "wb");\n  while (fread(&x, sizeof x, 1, in) == 1) { double r = ecgc_sqrt_f64(x); fwrite(&r, sizeof r, 1, out); }\n  fclose(in);\n  fclose(out);\n  return 0;\n}\n`,
    );
    await buildHost({ dir, sources: ['sqrt.c', RUNTIME_PREPROCESS], output: 'sqrt', optimization: '-O2', extraFlags: [`-I${RUNTIME_DIR}`] });
    await execa(join(dir, 'sqrt'), [], { cwd: dir });
    const roots = new Float64Array(Uint8Array.from(readFileSync(join(dir, 'roots.bin'))).buffer);
    expect(roots.length).toBe(values.length);
    expect(values.filter((v, i) => !Object.is(roots[i], Math.sqrt(v)))).toEqual([]);
  });

  it('mV from ADC counts as the WFDB reader computes them', async () => {
    writeFileSync(join(dir, 'net.h'), 'float net_mv(long adc, long baseline, double gain);\nvoid net_preprocess(const float *raw, float *input);\n');
    writeFileSync(join(dir, 'net_preprocess.c'), preprocessSource({ leads: 1, rawSamples: 4, sourceRate: 360, signalSamples: 4, inputLength: 4, resample: null, epsilon: null }, 'net', { version: 'test', source: 'net.onnx' }));
    writeFileSync(join(dir, 'mv.c'), `#include <stdio.h>\n#include "net_preprocess.c"\nint main(void) {\n  long adc;\n  for (adc = -1100; adc <= 1100; adc += 7) { float v = net_mv(adc, 1024, 200.0); fwrite(&v, sizeof v, 1, stdout); }\n  return 0;\n}\n`);
    await buildHost({ dir, sources: ['mv.c'], output: 'mv', optimization: '-O2', extraFlags: [`-I${RUNTIME_DIR}`] });
    const out = await execa(join(dir, 'mv'), [], { cwd: dir, encoding: 'buffer' });
    const actual = float32sOf(out.stdout);
    const expected = Float32Array.from({ length: actual.length }, (_, i) => (-1100 + 7 * i - 1024) / 200);
    expectBitExact(actual, expected, 'mV');
  });
});
