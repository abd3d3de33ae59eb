/**
 * Generated code that drops into a firmware project: three models (two of them the ECG-patch's
 * beat and rhythm models) linked into one C and one C++ program from their ecgc.mk files, with
 * static arenas and with one caller-provided arena, and into one Cortex-M image (a static
 * arena placed in its own RAM bank by the section hook, the others on the caller's arena), each
 * output equal to the reference's bit for bit; the header's facts and helpers; a model from
 * another ecgc refused; every fixture built with the strict warnings on gcc and arm-none-eabi-gcc.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Generated, generate, modelName } from '../../src/codegen/emit.js';
import { type Graph, sizeOf } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import type { OpContext } from '../../src/ops/op.js';
import { Softmax } from '../../src/ops/softmax.js';
import { DEVICE_DIR, linkerScript } from '../../src/toolchain/cortex.js';
import { runQemu } from '../../src/toolchain/qemu.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { expectBitExact, float32sOf } from '../helpers/bit-exact.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { EXAMPLES } from '../helpers/examples.js';
import { convChain } from '../helpers/conv-chain.js';
import { fixturePath, manifest, runReference } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { makeAvailable } from '../helpers/tools.js';

/** The warnings a careful firmware build turns on, as errors (the issue's list). */
const STRICT = ['-Wall', '-Wextra', '-Wpedantic', '-Wconversion', '-Wshadow', '-Werror'];
const WINDOWS = 3;
const dir = mkdtempSync(join(tmpdir(), 'ecgc-dropin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Model {
  generated: Generated;
  NAME: string;
  inputs: Float32Array;
  /** The reference's outputs for `inputs`, and (logits) its Softmax of them. */
  expected: Float32Array;
  softmax?: Float32Array;
}

const MODELS = [
  // depth first: also takes its input a column at a time
  { name: 'beat', file: join(EXAMPLES, 'arrhythminet-v2', 'model.onnx'), schedule: 'stream' as const },
  { name: 'rhythm', file: join(EXAMPLES, 'rhythm-stream', 'model.onnx'), schedule: 'layers' as const },
  // ends in Softmax, and needs other runtime files (matmul, softmax) than the two above
  { name: 'probs', file: fixturePath('linear_matmul_softmax_static', 'model.onnx'), schedule: 'layers' as const },
];

const models: Model[] = MODELS.map(({ name, file, schedule }, i) => {
  const graph = loadModel(file);
  const generated = generate(graph, file, { name, target: 'host', schedule });
  const inputs = randomFloats(WINDOWS * sizeOf(graph.values.get(graph.inputs[0])!.shape), 40 + i);
  const expected = runReference(generated.reference, inputs, WINDOWS);
  const logits = !/_OUTPUT_PROBABILITIES 1$/m.test(generated.files.get(`${name}.h`)!);
  return { generated, NAME: name.toUpperCase(), inputs, expected, softmax: logits ? referenceSoftmax(expected, outputSize(graph)) : undefined };
});

function outputSize(graph: Graph): number {
  return sizeOf(graph.values.get(graph.outputs[0])!.shape);
}

/** The reference interpreter's Softmax over each window's outputs. */
function referenceSoftmax(outputs: Float32Array, size: number): Float32Array {
  const node = { name: 'softmax', op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: {} };
  const ctx: OpContext = { node, opset: 13, inputs: [{ dtype: 'float32', shape: [1, size] }], constants: [undefined] };
  const kernel = Softmax.prepare(ctx, Softmax.infer(ctx));
  const y = new Float32Array(outputs.length);
  for (let w = 0; w < outputs.length / size; w++) kernel([outputs.subarray(w * size, (w + 1) * size)], [y.subarray(w * size, (w + 1) * size)]);
  return y;
}


/** A program (valid C99 and C++) that runs every model on its windows and writes what it computed. */
function mainSource(): string {
  const largest = models.map((m) => `${m.NAME}_ARENA_BYTES`).reduce((a, b) => `(${a} > ${b} ? ${a} : ${b})`);
  const perModel = models.map(({ generated: { name, pushApi }, NAME, softmax }) => `
/* ${name}'s functions on the caller's arena when it was built with ${NAME}_CALLER_ARENA, else on its own. */
#ifdef ${NAME}_CALLER_ARENA
#define ${NAME}_RUN(x, y) ${name}_run_arena(arena, x, y)
#define ${NAME}_BEGIN() ${name}_begin_arena(arena)
#define ${NAME}_PUSH(column) ${name}_push_arena(arena, column)
#define ${NAME}_END(y) ${name}_end_arena(arena, y)
#else
#define ${NAME}_RUN(x, y) ${name}_run(x, y)
#define ${NAME}_BEGIN() (${name}_begin(), 0)
#define ${NAME}_PUSH(column) ${name}_push(column)
#define ${NAME}_END(y) ${name}_end(y)
#endif

static float ${name}_x[${NAME}_INPUT_SIZE * WINDOWS], ${name}_y[${NAME}_OUTPUT_SIZE * WINDOWS], ${name}_p[${NAME}_OUTPUT_SIZE * WINDOWS], ${name}_s[${NAME}_OUTPUT_SIZE * WINDOWS];
static int32_t ${name}_class[WINDOWS];

/* Every window's outputs, class, softmax (p, logits) and outputs column at a time (s, push API). */
static int run_${name}(void) {
  int w;
  if (!load("${name}.in", ${name}_x, sizeof ${name}_x)) return 10;
  /* an arena the model cannot use is refused, nothing run */
  if (${name}_run_arena(NULL, ${name}_x, ${name}_y) != -1 || ${name}_run_arena((char *)arena + 4, ${name}_x, ${name}_y) != -1) return 11;
  for (w = 0; w < WINDOWS; w++) {
    const float *x = ${name}_x + w * ${NAME}_INPUT_SIZE;
    float *y = ${name}_y + w * ${NAME}_OUTPUT_SIZE;
    memset(arena, 0xff, sizeof arena); /* the arena needs no initialisation: all NaN here */
    if (${NAME}_RUN(x, y) != 0) return 12;
    ${name}_class[w] = ${name}_argmax(y);
${softmax ? `    ${name}_softmax(y, ${name}_p + w * ${NAME}_OUTPUT_SIZE);\n` : ''}${pushApi ? `    {
      float column[${NAME}_INPUT_CHANNELS];
      int t, c;
      memset(arena, 0xff, sizeof arena);
      if (${NAME}_BEGIN() != 0) return 13;
      for (t = 0; t < ${NAME}_INPUT_LENGTH; t++) {
        for (c = 0; c < ${NAME}_INPUT_CHANNELS; c++) column[c] = x[c * ${NAME}_INPUT_LENGTH + t];
        if (${NAME}_PUSH(column) != 0) return 14;
      }
      if (${NAME}_END(${name}_s + w * ${NAME}_OUTPUT_SIZE) != 0) return 15;
    }
` : ''}  }
  return save("${name}.out", ${name}_y, sizeof ${name}_y) && save("${name}.class", ${name}_class, sizeof ${name}_class) && save("${name}.p", ${name}_p, sizeof ${name}_p) &&
    save("${name}.s", ${name}_s, sizeof ${name}_s) ? 0 : 16;
}
`);
  return `/* ${models.length} ecgc models in one program (test/codegen/dropin.test.ts). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
${models.map((m) => `#include "${m.generated.name}.h"`).join('\n')}
#ifdef __arm__
#include "ecgc_device.h"
#endif

#define WINDOWS ${WINDOWS}

/* The caller's arena, shared: the models never run at the same time. */
static double arena[(${largest} + 7) / 8];

static int load(const char *path, void *buffer, uint32_t bytes) {
#ifdef __arm__
  const int32_t file = ecgc_open(path, ECGC_OPEN_READ_BINARY);
  const int ok = file >= 0 && ecgc_read(file, buffer, bytes) == (int32_t)bytes;
  if (file >= 0) ecgc_close(file);
#else
  FILE *file = fopen(path, "rb");
  const int ok = file != NULL && fread(buffer, 1, bytes, file) == bytes;
  if (file != NULL) fclose(file);
#endif
  return ok;
}

static int save(const char *path, const void *buffer, uint32_t bytes) {
#ifdef __arm__
  const int32_t file = ecgc_open(path, ECGC_OPEN_WRITE_BINARY);
  const int ok = file >= 0 && ecgc_write(file, buffer, bytes) == (int32_t)bytes;
  if (file >= 0) ecgc_close(file);
#else
  FILE *file = fopen(path, "wb");
  const int ok = file != NULL && fwrite(buffer, 1, bytes, file) == bytes;
  if (file != NULL && fclose(file) != 0) return 0;
#endif
  return ok;
}
${perModel.join('')}
int main(void) {
  int status = 0;
${models.map((m) => `  if (status == 0) status = run_${m.generated.name}();`).join('\n')}
  return status;
}
`;
}

/**
 * Includes every model's ecgc.mk; compiles each model's sources with its CFLAGS, the shared
 * runtime once, and main.c (C) or main.cpp (C++), all with the strict warnings.
 */
function makefile(): string {
  const names = models.map((m) => m.NAME);
  return `${models.map((m) => `include models/${m.generated.name}/ecgc.mk`).join('\n')}
CC ?= gcc
CXX ?= g++
MAIN ?= main.c
PROGRAM ?= program
OBJ ?= obj
TARGET_FLAGS ?=
DEFINES ?=
LDFLAGS ?=
DEVICE_SOURCES ?=
WARNINGS := ${STRICT.join(' ')}
objects = $(patsubst %.c,$(OBJ)/%.o,$(1))
${names.map((N) => `$(call objects,$(${N}_SOURCES)): FLAGS := $(${N}_CFLAGS)`).join('\n')}
$(call objects,$(ECGC_RUNTIME_SOURCES) $(DEVICE_SOURCES)): FLAGS := $(ECGC_CFLAGS) -Idevice
MODEL_OBJECTS := $(call objects,${names.map((N) => `$(${N}_SOURCES)`).join(' ')} $(ECGC_RUNTIME_SOURCES) $(DEVICE_SOURCES))
MAIN_COMPILER := $(if $(filter %.cpp,$(MAIN)),$(CXX) -std=c++11,$(CC) -std=c99)

$(PROGRAM): $(OBJ)/main.o $(MODEL_OBJECTS)
	$(if $(filter %.cpp,$(MAIN)),$(CXX),$(CC)) $(TARGET_FLAGS) $(LDFLAGS) -o $@ $^

$(OBJ)/main.o: $(MAIN)
	@mkdir -p $(dir $@)
	$(MAIN_COMPILER) $(WARNINGS) -O2 $(TARGET_FLAGS) $(DEFINES) ${models.map((m) => `-I$(${m.NAME}_DIR)`).join(' ')} -Idevice -c $< -o $@

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FLAGS) $(WARNINGS) -O2 $(TARGET_FLAGS) $(DEFINES) -c $< -o $@

runtime:
	@echo $(ECGC_RUNTIME_SOURCES)
`;
}

function writeModels(root: string): void {
  for (const { generated } of models) {
    for (const [file, content] of generated.files) {
      const path = join(root, 'models', generated.name, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
  writeFileSync(join(root, 'Makefile'), makefile());
  writeFileSync(join(root, 'main.c'), mainSource());
  writeFileSync(join(root, 'main.cpp'), mainSource());
  for (const m of models) writeFileSync(join(root, `${m.generated.name}.in`), m.inputs);
}

const make = (root: string, args: string[]) => execa('make', ['-s', '-j2', '-C', root, ...args], { reject: false });

/** Every model's outputs, class, and softmax or streamed outputs equal the reference's, bit for bit. */
function expectReferenceBits(root: string): void {
  for (const { generated, expected, softmax } of models) {
    const name = generated.name;
    const size = expected.length / WINDOWS;
    expectBitExact(float32sOf(readFileSync(join(root, `${name}.out`))), expected, `${name}: outputs`);
    const classes = Array.from({ length: WINDOWS }, (_, w) => {
      const window = Array.from(expected.subarray(w * size, (w + 1) * size));
      return window.indexOf(Math.max(...window));
    });
    expect(Array.from(new Int32Array(Uint8Array.from(readFileSync(join(root, `${name}.class`))).buffer)), `${name}: argmax`).toEqual(classes);
    if (softmax) expectBitExact(float32sOf(readFileSync(join(root, `${name}.p`))), softmax, `${name}: softmax`);
    if (generated.pushApi) expectBitExact(float32sOf(readFileSync(join(root, `${name}.s`))), expected, `${name}: begin/push/end`);
  }
}

describe('the header states what a firmware needs', () => {
  it('weights in flash, arena, alignment, logits or probabilities, extern "C"', () => {
    for (const { generated, NAME } of models) {
      const header = generated.files.get(`${generated.name}.h`)!;
      expect(header).toContain(`#define ${NAME}_WEIGHT_BYTES ${generated.weightBytes} `);
      expect(header).toContain(`#define ${NAME}_ARENA_BYTES ${generated.memory.arenaBytes} `);
      expect(header).toMatch(new RegExp(`^#define ${NAME}_ARENA_ALIGN 8 `, 'm'));
      expect(header).toMatch(/#ifdef __cplusplus\nextern "C" \{\n#endif/);
    }
    const [beat, , probs] = models.map((m) => m.generated.files.get(`${m.generated.name}.h`)!);
    expect(beat).toMatch(/^#define BEAT_OUTPUT_PROBABILITIES 0$/m);
    expect(beat).toContain('void beat_softmax(const float *logits, float *probabilities);');
    expect(probs).toMatch(/^#define PROBS_OUTPUT_PROBABILITIES 1$/m);
    expect(probs).not.toContain('probs_softmax');
    expect(probs).toContain('the graph ends in Softmax');
  });

  it('sees probabilities through views after a Sigmoid, and logits where the Sigmoid is not last', () => {
    const spec = (last: string) =>
      graphOf({
        inputs: [{ name: 'x', shape: [1, 4] }],
        outputs: ['y'],
        initializers: { w: { shape: [4, 2], data: [1, -1, 0.5, 2, -0.5, 1, 0.25, -2] }, shape: { shape: [2], data: [2, 1], int64: true } },
        nodes: [
          { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
          ...(last === 'Sigmoid' ? [{ op: 'Sigmoid', inputs: ['m'], outputs: ['s'] }] : [{ op: 'Sigmoid', inputs: ['x'], outputs: ['unused'] }, { op: 'Relu', inputs: ['m'], outputs: ['s'] }]),
          { op: 'Reshape', inputs: ['s', 'shape'], outputs: ['y'] },
        ],
      });
    expect(generate(spec('Sigmoid'), 'sig.onnx', { target: 'host' }).files.get('sig.h')).toMatch(/^#define SIG_OUTPUT_PROBABILITIES 1$/m);
    expect(generate(spec('Relu'), 'relu.onnx', { target: 'host' }).files.get('relu.h')).toMatch(/^#define RELU_OUTPUT_PROBABILITIES 0$/m);
  });

  it('keeps model names off the runtime prefix (ecgc.h, ecgc_conv1d.c)', () => {
    expect(modelName('ecgc.onnx')).toBe('model_ecgc');
    expect(modelName('x/ECGC_conv1d.onnx')).toBe('model_ecgc_conv1d');
    expect(modelName('ecgcnet.onnx')).toBe('ecgcnet');
  });

  it("never shares a global name between two models, even model 'a' with node 'b_conv0' and model 'a_b' with node 'conv0'", () => {
    const globals = (generated: Generated) => new Set([...generated.files.get(`${generated.name}_weights.c`)!.matchAll(/^const \w+ (\w+)\[/gm)].map((m) => m[1]));
    const chain = convChain(128, 3);
    const renamed = convChain(128, 3);
    for (const node of renamed.nodes) node.name = `b_${node.name}`;
    const a = globals(generate(renamed, 'a.onnx', { target: 'host' }));
    const ab = globals(generate(chain, 'a_b.onnx', { target: 'host' }));
    expect(a.size).toBeGreaterThan(0);
    expect([...a].filter((id) => ab.has(id))).toEqual([]);
  });
});

/** Both drop-in projects are built by their Makefile from the models' ecgc.mk. */
const hasMake = makeAvailable('the drop-in projects built with make');

describe.runIf(hasMake)('models that drop into one host program', () => {
  const root = join(dir, 'host');
  beforeAll(() => writeModels(root));

  it('each runtime file once in ECGC_RUNTIME_SOURCES, the union of what the models need', async () => {
    const listed = (await make(root, ['runtime'])).stdout.trim().split(/\s+/);
    const needed = new Set(models.flatMap((m) => m.generated.runtimeSources.filter((f) => f.startsWith('runtime/')).map((f) => basename(f))));
    expect(listed.map((f) => basename(f)).sort()).toEqual([...needed].sort());
    expect(new Set(models.map((m) => m.generated.files.get('runtime/ecgc.h'))).size).toBe(1);
  });

  for (const language of ['C', 'C++']) {
    for (const arena of ['static', 'caller'] as const) {
      it(`${language}, ${arena} arenas: every model bit-exact with the reference, strict warnings`, async () => {
        const variant = `${language === 'C' ? 'c' : 'cpp'}-${arena}`;
        const defines = arena === 'caller' ? models.map((m) => `-D${m.NAME}_CALLER_ARENA`).join(' ') : '';
        const built = await make(root, [`MAIN=main.${language === 'C' ? 'c' : 'cpp'}`, `PROGRAM=${variant}`, `OBJ=obj-${variant}`, `DEFINES=${defines}`]);
        expect(built.exitCode, built.stderr).toBe(0);
        const run = await execa(`./${variant}`, { cwd: root, reject: false });
        expect(run.exitCode, run.stderr).toBe(0);
        expectReferenceBits(root);
        // a caller-arena build carries no static arena at all
        const symbols = (await execa('nm', [join(root, variant)])).stdout;
        for (const m of models) expect(new RegExp(` [bB] ${m.generated.name}_arena$`, 'm').test(symbols), `${m.generated.name}_arena`).toBe(arena === 'static');
        // the header's figure is what the weights take
        const weights = (await execa('nm', ['-S', join(root, `obj-${variant}`, 'models', 'beat', 'beat_weights.o')])).stdout;
        expect(weights.split('\n').reduce((sum, line) => sum + parseInt(line.split(' ')[1] ?? '0', 16), 0)).toBe(models[0].generated.weightBytes);
      }, 120_000);
    }
  }

  it('refuses a model from another ecgc: ecgc.mk in make, and the .c against the other ecgc.h', async () => {
    const other = join(root, 'models', 'other');
    const id = /^#define ECGC_RUNTIME_ID (0x[0-9a-f]{8}UL)$/m.exec(models[2].generated.files.get('runtime/ecgc.h')!)![1];
    // probs as another ecgc would have generated it, named other
    for (const [file, content] of models[2].generated.files) {
      const path = join(other, file.replaceAll('probs', 'other'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content.replaceAll(id, '0x12345678UL').replaceAll('probs', 'other').replaceAll('PROBS', 'OTHER'));
    }
    writeFileSync(join(root, 'Mixed.mk'), 'include models/beat/ecgc.mk\ninclude models/other/ecgc.mk\nall:\n\t@echo $(ECGC_RUNTIME_SOURCES)\n');
    const mixed = await execa('make', ['-s', '-C', root, '-f', 'Mixed.mk'], { reject: false });
    expect(mixed.exitCode).not.toBe(0);
    expect(mixed.stderr).toMatch(/models\/other\/ecgc\.mk: other was generated by ecgc [\d.]+ \(runtime 0x12345678UL\) but another model of this build by another ecgc \(runtime 0x[0-9a-f]{8}UL\)/);
    const compiled = await execa('gcc', ['-std=c99', '-c', 'models/other/other.c', '-Imodels/other', '-Imodels/beat/runtime', '-o', '/dev/null'], { cwd: root, reject: false });
    expect(compiled.exitCode).not.toBe(0);
    expect(compiled.stderr).toMatch(/#error "other\.c was generated by ecgc [\d.]+ for runtime 0x12345678UL, but the ecgc\.h it includes is another ecgc's/);
  }, 60_000);
});

const cortex = await cortexToolsAvailable('drop-in Cortex-M');

describe.runIf(cortex && hasMake)('models that drop into one Cortex-M image', () => {
  it('beat on its static arena placed in another RAM bank by the section hook, the others on the caller arena: bit-exact under QEMU', async () => {
    const root = join(dir, 'cortex');
    writeModels(root);
    mkdirSync(join(root, 'device'));
    for (const file of ['ecgc_startup.c', 'ecgc_semihost.c', 'ecgc_device.h']) copyFileSync(join(DEVICE_DIR, file), join(root, 'device', file));
    const target = cortexTarget('cortex-m4f')!;
    const bank = { origin: target.board.ram.origin + 0x10_0000, bytes: 0x4_0000 };
    const script = linkerScript({ target, board: target.board, flashBytes: 1 << 20, ramBytes: 0x10_0000, stackBytes: 8192 });
    const withBank = script
      .replace(/^( {2}RAM \(rwx\).*)$/m, `$1\n  SRAM2 (rw) : ORIGIN = 0x${bank.origin.toString(16)}, LENGTH = ${bank.bytes}`)
      .replace(/\n}\s*$/, '\n  .sram2 (NOLOAD) : { . = ALIGN(8); *(.sram2) } > SRAM2\n}\n');
    expect(withBank).toContain('> SRAM2');
    writeFileSync(join(root, 'link.ld'), withBank);
    const defines = ['-DBEAT_ARENA_SECTION=\\".sram2\\"', ...models.slice(1).map((m) => `-D${m.NAME}_CALLER_ARENA`)].join(' ');
    const built = await make(root, [
      'CC=arm-none-eabi-gcc', `TARGET_FLAGS=${target.flags.join(' ')} -ffunction-sections -fdata-sections`, `DEFINES=${defines}`,
      'LDFLAGS=-nostartfiles --specs=nano.specs -Wl,--gc-sections -T link.ld', 'DEVICE_SOURCES=device/ecgc_startup.c device/ecgc_semihost.c', 'PROGRAM=image.elf',
    ]);
    expect(built.exitCode, built.stderr).toBe(0);
    const symbols = (await execa('arm-none-eabi-nm', [join(root, 'image.elf')])).stdout;
    const address = /^([0-9a-f]{8}) [bBdD] beat_arena$/m.exec(symbols);
    expect(address, 'beat_arena in the image').not.toBeNull();
    expect(parseInt(address![1], 16)).toBeGreaterThanOrEqual(bank.origin);
    expect(parseInt(address![1], 16)).toBeLessThan(bank.origin + bank.bytes);
    expect(symbols).not.toMatch(/ (rhythm|probs)_arena$/m);
    await runQemu({ board: target.board, elf: join(root, 'image.elf'), cwd: root, what: 'the drop-in image', timeoutSeconds: 120 });
    expectReferenceBits(root);
  }, 300_000);
});

describe('every fixture builds with the strict warnings', () => {
  const arm = cortexTarget('cortex-m0')!;
  const m4f = cortexTarget('cortex-m4f')!;
  const compilers = [
    { cc: 'gcc', flags: [] as string[] },
    ...(cortex ? [{ cc: 'arm-none-eabi-gcc', flags: arm.flags }, { cc: 'arm-none-eabi-gcc', flags: m4f.flags }] : []),
  ];

  it(`on ${compilers.map((c) => `${c.cc} ${c.flags.join(' ')}`.trim()).join(', ')}: both schedules, static, caller-provided and placed arenas`, async () => {
    const root = join(dir, 'strict');
    const jobs: (() => Promise<void>)[] = [];
    const runtime = new Set<string>();
    for (const entry of manifest) {
      for (const schedule of ['layers', 'stream'] as const) {
        const generated = generate(loadModel(fixturePath(entry.name, 'model.onnx')), fixturePath(entry.name, 'model.onnx'), { target: 'host', schedule });
        const modelDir = join(root, `${entry.name}-${schedule}`);
        for (const [file, content] of generated.files) {
          mkdirSync(dirname(join(modelDir, file)), { recursive: true });
          writeFileSync(join(modelDir, file), content);
        }
        const NAME = generated.name.toUpperCase();
        // the model's own files (its .c with each arena choice), and each runtime file once
        const builds = generated.runtimeSources.flatMap((file) => {
          if (file === `${generated.name}.c`) return [[], [`-D${NAME}_CALLER_ARENA`], [`-D${NAME}_ARENA_SECTION=".sram2"`]].map((defines) => ({ file, defines }));
          if (file.startsWith('runtime/') && runtime.has(basename(file))) return [];
          runtime.add(basename(file));
          return [{ file, defines: [] as string[] }];
        });
        for (const { cc, flags } of compilers) {
          for (const { file, defines } of builds) {
            jobs.push(async () => {
              const r = await execa(cc, ['-std=c99', '-ffp-contract=off', '-fno-math-errno', ...STRICT, '-O2', ...flags, ...defines, '-I.', '-Iruntime', '-c', file, '-o', '/dev/null'], { cwd: modelDir, reject: false });
              expect(r.exitCode, `${entry.name} (${schedule}): ${cc} ${[...flags, ...defines].join(' ')} ${file}: ${r.stderr}`).toBe(0);
            });
          }
        }
      }
    }
    expect([...runtime].sort()).toEqual(expect.arrayContaining(['ecgc_conv1d.c', 'ecgc_stream.c', 'ecgc_weights.c', 'ecgc_softmax.c']));
    const queue = [...jobs];
    await Promise.all([0, 1].map(async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }));
  }, 600_000);
});
