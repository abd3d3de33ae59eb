/**
 * C emission: the lowered schedule and memory plan through the handlebars templates into
 * <name>.h, <name>.c, <name>_weights.c, ecgc.mk and the runtime-c files the model uses.
 * Deterministic: the same graph and options give byte-identical files.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, inFile } from '../errors.js';
import { type DType, DTYPES, type Graph, shapeText, sizeOf, windowsPerRun } from '../ir/graph.js';
import { modelData } from '../data/model-data.js';
import { PROBABILITY_OPS, opDef } from '../ops/index.js';
import type { CKernel, Scratch } from '../ops/lowering.js';
import { SOFTMAX_F32 } from '../ops/softmax.js';
import { type LayerReport, type Lowered, type Schedule, type Step, lower } from './lower.js';
import { ARENA_ALIGN, type MemoryPlan, planMemory, resolveView } from './planner.js';
import { cComment, cFloat, cIdentifier } from '../util/c.js';
import type { LayerQuantization } from './weights.js';
import type { DeviceCam } from '../explain/device.js';
import { ZSCORE_F32, preprocessSource, preprocessSpec, preprocessSteps } from './preprocess.js';
import { template } from './templates.js';
import { checkOutputDirectory, generatedByEcgc, writeDirectoryAtomic } from '../util/files.js';

export const RUNTIME_DIR = fileURLToPath(new URL('../../runtime-c/', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** The runtime's identity (ECGC_RUNTIME_ID): models may share one runtime only when theirs are equal. */
const RUNTIME_ID = runtimeId();

/** Bytes per value and values per line of the weight arrays' C types. */
const C_TYPES = { float: { size: 4, perLine: 6 }, int32_t: { size: 4, perLine: 8 }, int8_t: { size: 1, perLine: 16 }, uint16_t: { size: 2, perLine: 12 }, uint8_t: { size: 1, perLine: 16 } };

export interface GenerateOptions {
  /** C prefix of the API; by default from the model's file name. */
  name?: string;
  quantization?: Map<string, LayerQuantization>;
  target: string;
  schedule?: Schedule;
  /** Depth first: output columns a packed stage computes per decoding of its weights (default 1). */
  streamBlock?: number;
  /** --explain: also <name>_explain, the class activation map of the last decision (src/explain/device.ts). */
  explain?: DeviceCam;
}

export interface Generated {
  name: string;
  files: Map<string, string>;
  /** The graph the C computes, for verification. */
  reference: Graph;
  memory: MemoryPlan;
  layers: LayerReport[];
  weightBytes: number;
  runtimeSources: string[];
  /** The model also takes its input a column at a time (<name>_begin / _push / _end). */
  pushApi: boolean;
  /** How a harness holding one run's inputs in `x` (input after input) passes them: to _run, and (further inputs) to _end. */
  harness: { runArgs: string; endArgs: string };
  /** The C declarations of <name>_run and (push API) <name>_end, for messages. */
  api: { run: string; end: string };
  /** The scratch each kernel step reserves, with the kernel's own *_get_buffer_size call. */
  scratch: Scratch[];
  /** The runtime kernels the model's C calls. */
  kernels: CKernel[];
  /** With --explain: the map the C's <name>_explain reads, and its positions (the harness writes them after each output). */
  explain?: DeviceCam;
}

/** The API prefix: --name, else the file's name, or its directory's when the file is just model.onnx. */
export function modelName(file: string, name?: string): string {
  const stem = basename(file).replace(/\.onnx$/i, '');
  const chosen = name ?? (stem.toLowerCase() === 'model' && basename(dirname(file)) !== '.' ? basename(dirname(file)) : stem);
  const id = cIdentifier(chosen.toLowerCase(), 'model');
  // ecgc and ecgc_* belong to the runtime (ecgc.h, ecgc_conv1d.c, ...): a model there would clash with it.
  return /^ecgc(_|$)/.test(id) ? cIdentifier(`model_${id}`) : id;
}

/**
 * The C parameter of each graph input: `input` for a model of one input, else `input_<name>`
 * (sanitised, distinct), in the graph's order, with its floats per call.
 */
function inputParameters(graph: Graph): { value: string; param: string; size: number; shape: number[] }[] {
  const taken = new Set<string>();
  return graph.inputs.map((value) => {
    const base = graph.inputs.length === 1 ? 'input' : `input_${cIdentifier(value.toLowerCase(), 'x')}`;
    let param = base;
    for (let i = 2; taken.has(param); i++) param = `${base}_${i}`;
    taken.add(param);
    const { shape } = graph.values.get(value)!;
    return { value, param, size: sizeOf(shape), shape };
  });
}

export function generate(graph: Graph, source: string, options: GenerateOptions): Generated {
  if (graph.outputs.length !== 1) fail(`${source}: the C API gives one output; the model has ${graph.outputs.length}`);
  const outputInfo = graph.values.get(graph.outputs[0])!;
  if (graph.constants.has(graph.outputs[0])) fail(`${source}: the graph's output '${graph.outputs[0]}' does not depend on its input (it folds to a constant): there is nothing to compile`);
  // The C API takes float32 and gives float32 (indices and bools as exact floats).
  for (const value of graph.inputs) {
    const info = graph.values.get(value)!;
    if (info.dtype !== 'float32') fail(`${source}: the graph's input '${value}' is ${info.dtype}; the C API takes float32`);
    if (sizeOf(info.shape) === 0) fail(`${source}: the graph's input '${value}' ${shapeText(info.shape)} is empty: it has no C array`);
  }
  if (sizeOf(outputInfo.shape) === 0) fail(`${source}: the graph's output ${shapeText(outputInfo.shape)} is empty: it has no C array`);
  const name = modelName(source, options.name);
  const NAME = name.toUpperCase();
  const lowered: Lowered = inFile(source, () => lower(graph, name, options.quantization, options.schedule, options.streamBlock));
  const sizes = new Map([...graph.values].map(([value, info]) => [value, sizeOf(info.shape) * DTYPES[info.dtype].bytes]));
  const { explain } = options;
  if (explain && options.schedule === 'stream') fail(`${source}: --explain needs the layer-by-layer schedule: depth first, the map it weighs is never held whole (--schedule layers)`);
  // --explain reads the pooled map after the run: it stays alive to the end, as an output does
  const memory = planMemory(lowered.steps, sizes, lowered.views, graph.inputs, explain ? [...graph.outputs, explain.value] : graph.outputs);
  if (explain) lowered.weights.push({ name: `${name}_cam_weights`, type: 'float', values: explain.weights, comment: cComment(`--explain: the linear layer's weights per class, [${explain.classes}][${explain.channels}], float32`) });

  const inputs = inputParameters(graph);
  const input = graph.inputs[0];
  const at = (value: string): string => {
    const buffer = resolveView(value, lowered.views);
    const parameter = inputs.find((i) => i.value === buffer);
    if (parameter) return parameter.param;
    const offset = memory.offsets.get(buffer);
    if (offset === undefined) fail(`internal: value '${value}' has no buffer`);
    return `(${DTYPES[graph.values.get(value)!.dtype].c} *)(void *)(a + ${offset})`;
  };
  // the arena is addressed in bytes: a value's type is its own (byte offsets are ARENA_ALIGN multiples)
  const scratch = (i: number) => (memory.scratch[i] >= 0 ? `(void *)(a + ${memory.scratch[i]})` : 'NULL');
  const steps = lowered.steps.map((step, i) => step.code(at, scratch(i)).replace(/^\s+/, ''));

  const weights = lowered.weights.map((w) => {
    const id = w.name;
    const { size, perLine } = C_TYPES[w.type];
    const bytes = w.values.length * size;
    const items = Array.from(w.values, (v) => (w.type === 'float' ? cFloat(v) : w.type === 'int32_t' || w.type === 'int8_t' ? String(v) : `0x${v.toString(16).padStart(2 * size, '0')}`));
    const body = [];
    for (let i = 0; i < items.length; i += perLine) body.push(`  ${items.slice(i, i + perLine).join(', ')},`);
    return { id, type: w.type, count: Math.max(1, w.values.length), bytes, comment: cComment(w.comment), body: body.join('\n') || '  0' };
  });
  const weightBytes = weights.reduce((sum, w) => sum + w.bytes, 0);

  const outputValue = graph.outputs[0];
  const outputShape = graph.values.get(outputValue)!.shape;
  const inputShape = graph.values.get(input)!.shape;
  // A model whose input goes only into a depth-first chain can take it a column at a time.
  const first = lowered.steps[0];
  const readsInput = (step: Step) => step.inputs.some((value) => resolveView(value, lowered.views) === input);
  // The further inputs are read after the chain: _end takes them.
  const further = inputs.slice(1);
  const finishParams = further.map((i) => `const float *${i.param}, `).join('');
  const finishArgs = further.map((i) => `${i.param}, `).join('');
  // Sized by the chain's own input [1, C, L]: the graph input may reach it through a view (an Unsqueeze).
  const chainInput = first?.stream ? graph.values.get(first.inputs[0])!.shape : [];
  const push =
    first?.stream && readsInput(first) && !lowered.steps.slice(1).some(readsInput)
      ? {
          channels: chainInput[1],
          length: chainInput[2],
          begin: `${first.stream.kernel}_begin(&${first.stream.id}, ${scratch(0)});`,
          push: `return ${first.stream.kernel}_push(&${first.stream.id}, column, ${at(first.output)}, ${scratch(0)});`,
          end: `if (${first.stream.kernel}_end(&${first.stream.id}, ${at(first.output)}, ${scratch(0)}) != 0) return -1;`,
          finishParams,
          finishArgs,
          first: steps[0],
          steps: steps.slice(1),
        }
      : false;
  const data = modelData(graph, source);
  const preprocess = data ? preprocessSpec(data, inputShape) : null;
  const outputs = outputKind(graph, lowered);
  // A float output that is not probabilities gets a softmax helper; indices (ArgMax's) do not.
  const logits = !outputs.probabilities && outputInfo.dtype === 'float32';
  const guard = `${NAME}_H`;
  const params = inputs.map((i) => `const float *${i.param}`).join(', ');
  // one run's inputs back to back in the harness's x: each input's pointer into it
  const offsets = inputs.map((_, k) => ['x', ...inputs.slice(0, k).map((i) => `${NAME}_${i.param.toUpperCase()}_SIZE`)].join(' + '));
  const header = template('model.h.hbs')({
    version: VERSION, source: cComment(basename(source)), guard, NAME, name,
    batch: windowsPerRun(graph), inputSize: inputs.reduce((sum, i) => sum + i.size, 0), inputShape: shapeText(inputShape), outputSize: sizeOf(outputShape), outputShape: shapeText(outputShape),
    arenaBytes: memory.arenaBytes, push, data: data ? sanitizeData(data) : false, classCount: data?.classes.length ?? 0,
    leads: cComment(data?.leads.join(', ') ?? ''), rPeak: data?.window.rPeakAt ?? false, preprocessing: cComment(JSON.stringify(data?.preprocessing ?? {})),
    arenaAlign: ARENA_ALIGN, weightBytes, outputs, logits, explain: explain ? { positions: explain.positions, classes: explain.classes } : false, preprocess: preprocess ? { ...preprocess, steps: preprocessSteps(preprocess) } : false,
    params, further: further.map((i) => ({ PARAM: i.param.toUpperCase(), name: cComment(i.value), size: i.size, shape: shapeText(i.shape) })),
    firstInput: further.length > 0 ? { PARAM: inputs[0].param.toUpperCase(), name: cComment(input), size: inputs[0].size, shape: shapeText(inputShape) } : false,
  });
  const model = template('model.c.hbs')({
    version: VERSION, source: cComment(basename(source)), name, NAME,
    externs: weights.map((w) => ({ type: w.type, id: w.id, count: w.count })),
    declarations: lowered.declarations,
    classNames: data ? data.classes.map((c) => JSON.stringify(c.replace(/[^\x20-\x7e]/g, '?')).replace(/\?\?/g, '?\\?')).join(', ') : false,
    // an array of double: 8-byte aligned on every target ecgc builds for, as ARENA_ALIGN needs
    arenaDoubles: Math.max(1, Math.ceil(memory.arenaBytes / 8)),
    steps, push, params, args: inputs.map((i) => i.param).join(', '), copyOutput: copyOutput(at(outputValue), outputInfo.dtype, sizeOf(outputShape)),
    runtimeId: RUNTIME_ID, logits,
    explain: explain
      ? {
          type: explain.quant ? 'int8_t' : 'float',
          map: `(const ${explain.quant ? 'int8_t' : 'float'} *)(const void *)(a + ${memory.offsets.get(resolveView(explain.value, lowered.views))})`,
          weights: `${name}_cam_weights`,
          channels: explain.channels,
          positions: explain.positions,
          dequantize: explain.quant ? { zeroPoint: explain.quant.zeroPoint, scale: cFloat(explain.quant.scale) } : false,
        }
      : false,
  });
  const weightFile = template('weights.c.hbs')({ version: VERSION, source: cComment(basename(source)), totalBytes: weightBytes, arrays: weights });

  const preprocessC = preprocess ? preprocessSource(preprocess, name, { version: VERSION, source: cComment(basename(source)) }) : undefined;
  // The runtime files of every kernel the model's C calls: its steps', its helpers' (<name>_softmax), its preprocessing's.
  const kernels: CKernel[] = [...lowered.steps.flatMap((step) => step.kernels), ...(logits ? [SOFTMAX_F32] : []), ...(preprocessC ? [ZSCORE_F32] : [])];
  const runtimeSources = [...new Set(kernels.flatMap((kernel) => kernel.files))].sort();
  const files = new Map<string, string>([
    [`${name}.h`, header],
    [`${name}.c`, model],
    [`${name}_weights.c`, weightFile],
  ]);
  for (const file of ['ecgc.h', 'ecgc_approx.h', 'ecgc_dot_s8.h', 'ecgc_requantize.h', ...runtimeSources]) files.set(`runtime/${file}`, runtimeFile(file));
  if (preprocessC) files.set(`${name}_preprocess.c`, preprocessC);
  const modelSources = [`${name}.c`, `${name}_weights.c`, ...(preprocess ? [`${name}_preprocess.c`] : [])];
  const sources = [...modelSources, ...runtimeSources.map((f) => `runtime/${f}`)];
  files.set('ecgc.mk', template('ecgc.mk.hbs')({ version: VERSION, name, NAME, target: options.target, modelSources, runtimeSources, runtimeId: RUNTIME_ID }));
  return { name, files, reference: lowered.reference, memory, layers: lowered.layers, weightBytes, runtimeSources: sources, pushApi: push !== false,
    api: { run: `int ${name}_run(${params}, float *output)`, end: `${name}_end(${finishArgs}output)` },
    harness: { runArgs: offsets.join(', '), endArgs: offsets.slice(1).map((o) => `${o.replace(/^x\b/, 'window')}, `).join('') }, scratch: lowered.steps.flatMap((step) => (step.scratch ? [step.scratch] : [])), kernels, explain };
}

/** The C that copies the output value into the caller's float array: int64 values (indices) and bools as floats, exact below 2^24. */
function copyOutput(value: string, dtype: DType, size: number): string {
  if (dtype === 'float32') return `memcpy(output, ${value}, ${size * 4});`;
  return `{ const ${DTYPES[dtype].c} *const values = ${value}; int32_t i; for (i = 0; i < ${size}; i++) output[i] = (float)values[i]; }`;
}

/** Whether the output holds probabilities: the op that ends the graph (views after it aside) says so. */
function outputKind(graph: Graph, lowered: Lowered): { probabilities: boolean; text: string } {
  const last = resolveView(graph.outputs[0], lowered.views);
  const producer = graph.nodes.find((node) => node.outputs.includes(last));
  return (producer && opDef(producer).outputMeaning) ?? { probabilities: false, text: `logits (no ${PROBABILITY_OPS.join(' or ')} at the end of the graph)` };
}

/** The first 32 bits of the SHA-256 of runtime-c's sources, as a C constant. */
function runtimeId(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(RUNTIME_DIR).filter((f) => /\.[ch]$/.test(f)).sort()) hash.update(file).update('\0').update(readFileSync(join(RUNTIME_DIR, file))).update('\0');
  return `0x${hash.digest('hex').slice(0, 8)}UL`;
}

/** A runtime-c file as a model ships it: ecgc.h carries the runtime's identity. */
function runtimeFile(file: string): string {
  const text = readFileSync(join(RUNTIME_DIR, file), 'utf8');
  if (file !== 'ecgc.h') return text;
  if (!/^#define ECGC_RUNTIME_ID 0x00000000UL$/m.test(text)) throw new Error('internal: runtime-c/ecgc.h has no ECGC_RUNTIME_ID line');
  return text.replace(/^#define ECGC_RUNTIME_ID 0x00000000UL$/m, `#define ECGC_RUNTIME_ID ${RUNTIME_ID}`);
}

/** Only what the header prints, with text from the model file made safe for a comment. */
function sanitizeData(data: NonNullable<ReturnType<typeof modelData>>) {
  return { task: cComment(data.task), samplingRate: Number(data.samplingRate), window: { samples: Number(data.window.samples) } };
}

export function harnessSource(generated: Generated): string {
  return template('harness.c.hbs')({ name: generated.name, NAME: generated.name.toUpperCase(), ...generated.harness, explain: generated.explain !== undefined });
}

/** With --force, a directory is replaced only when all it holds is generated code (this set, the runtime, or a file ecgc marked). */
const generatedOutput = (files: Map<string, string>) => (file: string, full: string) => files.has(file) || file.startsWith('runtime/') || generatedByEcgc(full);

/** Refuses `dir` as writeGenerated would, before any long work: an existing directory that is not empty needs `force`, and holds only generated code. */
export function checkGeneratedOutput(dir: string, files: Map<string, string>, force: boolean): void {
  checkOutputDirectory(dir, force, generatedOutput(files));
}

/** Writes the files as the directory `dir`, whole or not at all (writeDirectoryAtomic), on the terms of checkGeneratedOutput. */
export function writeGenerated(dir: string, files: Map<string, string>, force: boolean): void {
  writeDirectoryAtomic(dir, files, force, generatedOutput(files));
}
