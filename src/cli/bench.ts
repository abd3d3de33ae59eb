/**
 * `ecgc bench [model.onnx] --target cortex-m4f [--plan plan.json] [--break-even]`: executed
 * instructions per inference, per layer and per MAC under QEMU (never cycles), the compressed
 * build beside the dense float32 one; and the break-even sparsity of a sparse conv1d layer.
 *
 * The schedule is resolved as `ecgc compile` resolves it (--schedule auto with --ram, --stack
 * and the plan), so bench measures what compile ships. --json: schema 'ecgc.bench/1',
 * documented in docs/json.md.
 */
import { fail } from '../errors.js';
import { type DeviceBench, type SparsitySweep, benchOnDevice, sparsitySweep } from '../bench/device.js';
import { loadPlan } from '../codegen/plan.js';
import { readModelInputs, syntheticModelInputs } from '../data/model-inputs.js';
import { loadModel } from '../model/load.js';
import { CROSS_GCC } from '../toolchain/cortex.js';
import { scheduleJson } from '../report/build.js';
import { breakdown, formatSize, harnessFootprint, modelFootprint } from '../toolchain/size.js';
import { CORTEX_TARGET_NAMES, cortexTarget } from '../toolchain/targets.js';
import { clockLine, parseClock, timeAtClock } from './clock.js';
import { parseDeviceFlags } from './device.js';
import { deviceExplain } from './explain.js';
import { formatCount, table } from './format.js';
import { type ScheduleChoice, parseBatch, resolveSchedule, scheduleLine } from './options.js';

export interface BenchFlags {
  target: string;
  plan?: string;
  input?: string;
  count?: string;
  opt?: string;
  stack?: string;
  timeout?: string;
  json?: boolean;
  breakEven?: boolean;
  bits?: string;
  shape?: string;
  schedule?: string;
  streamBlock?: string;
  batch?: string;
  ram?: string;
  clock?: string;
  explain?: boolean;
}

const NOTE = 'executed instructions counted by a QEMU TCG plugin (QEMU has no cycle model: these are instructions, not cycles)';

export async function benchCommand(model: string | undefined, flags: BenchFlags): Promise<void> {
  const target = cortexTarget(flags.target);
  if (!target) fail(`ecgc bench runs on a Cortex-M target under QEMU; '${flags.target}' is not one of ${CORTEX_TARGET_NAMES.join(', ')}`);
  if (!model && !flags.breakEven) fail('ecgc bench needs a model, or --break-even');
  const device = parseDeviceFlags({ stack: flags.stack, timeout: flags.timeout, opt: flags.opt, ram: flags.ram });
  const clock = flags.clock === undefined ? undefined : parseClock(flags.clock);
  const optimization = device.optimizations?.[0] ?? '-O2';
  const report: { schema: string; note: string; model?: unknown; breakEven?: unknown } = { schema: 'ecgc.bench/1', note: NOTE };
  const text: string[] = [];

  if (model) {
    const graph = loadModel(model, parseBatch(flags.batch));
    const planned = flags.plan ? loadPlan(flags.plan, model, graph) : undefined;
    let inputs: Float32Array;
    let count: number;
    if (flags.input) {
      const read = readModelInputs(graph, model, flags.input);
      count = Math.min(read.count, flags.count === undefined ? 2 : Number(flags.count));
      inputs = read.x;
    } else {
      count = flags.count === undefined ? 2 : Number(flags.count);
      inputs = syntheticModelInputs(graph, model, Math.max(1, count)).x;
    }
    if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer, got '${flags.count}'`);
    // The schedule `ecgc compile` would ship with the same flags (and the plan, if any), for both builds.
    const choice = resolveSchedule(flags.schedule, graph, model, { quantization: planned?.quantization, ram: device.budget.ram, stackBytes: device.stackBytes, streamBlock: flags.streamBlock });
    const options = { optimization, stackBytes: device.stackBytes, timeoutSeconds: device.timeoutSeconds, schedule: choice.schedule, streamBlock: choice.block };
    const dense = await benchOnDevice(graph, model, target, inputs, count, options);
    const compressed = planned ? await benchOnDevice(planned.graph, model, target, inputs, count, { ...options, quantization: planned.quantization }) : undefined;
    // --explain: each build again with <name>_explain (the whole image only), its cost the difference
    const explained = async (base: DeviceBench, built: Parameters<typeof benchOnDevice>[0], plan: typeof planned) =>
      explainCost(base, await benchOnDevice(built, model, target, inputs, count, { ...options, quantization: plan?.quantization, perLayer: false, explain: deviceExplain(true, graph, plan?.plan) }));
    const denseExplain = flags.explain ? await explained(dense, graph, undefined) : null;
    const compressedExplain = flags.explain && compressed ? await explained(compressed, planned!.graph, planned) : null;
    report.model = {
      model, plan: flags.plan ?? null, schedule: scheduleJson(choice),
      float32: { ...benchJson(dense, clock), explain: denseExplain }, planBuild: compressed ? { ...benchJson(compressed, clock), explain: compressedExplain } : null,
    };
    text.push(...modelText(model, dense, compressed, flags.plan, choice, clock));
    if (denseExplain) text.push(explainLine('float32', denseExplain, dense), ...(compressedExplain && compressed ? [explainLine('plan', compressedExplain, compressed)] : []));
  }
  if (flags.breakEven) {
    const [inChannels, outChannels, kernel, length] = (flags.shape ?? '32x32x5x128').split('x').map(Number);
    if (![inChannels, outChannels, kernel, length].every((n) => Number.isInteger(n) && n > 0)) fail(`--shape '${flags.shape}' must be CinxCoutxKxT, e.g. 32x32x5x128`);
    const bits = flags.bits === undefined ? 4 : Number(flags.bits);
    if (!(Number.isInteger(bits) && bits >= 2 && bits <= 8)) fail(`--bits must be 2..8, got '${flags.bits}'`);
    const sweep = await sparsitySweep(target, { inChannels, outChannels, kernel, length }, { bits, optimization, timeoutSeconds: device.timeoutSeconds });
    report.breakEven = sweep;
    text.push(...(text.length ? [''] : []), ...sweepText(sweep, target.name, optimization));
  }
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${text.join('\n')}\n`);
}

interface ExplainCost {
  /** Instructions of one <name>_explain call. */
  instructions: number;
  /** Bytes the build with <name>_explain takes beyond the build without, the model's share (what --flash / --ram count). */
  flash: number;
  ram: number;
  arenaBytes: number;
  weightBytes: number;
}

function explainCost(base: DeviceBench, withExplain: DeviceBench): ExplainCost {
  const [a, b] = [modelFootprint(base.sizes), modelFootprint(withExplain.sizes)];
  return { instructions: withExplain.explainInstructions!, flash: b.flash - a.flash, ram: b.ram - a.ram, arenaBytes: withExplain.arenaBytes - base.arenaBytes, weightBytes: withExplain.weightBytes - base.weightBytes };
}

function explainLine(build: string, cost: ExplainCost, base: DeviceBench): string {
  return `explain (${base.name}_explain after a run, the ${build} build): ${count(cost.instructions)} instructions (${((100 * cost.instructions) / base.perInference).toFixed(2)}% of an inference); flash +${formatCount(cost.flash)} B (the class weights ${formatCount(cost.weightBytes)} B), RAM +${formatCount(cost.ram)} B (arena +${formatCount(cost.arenaBytes)} B: the map kept to the end)`;
}

function benchJson(b: DeviceBench, clock: number | undefined) {
  return {
    name: b.name, target: b.target.name, board: b.board.machine, optimization: b.optimization, windows: b.windows,
    instructionsPerInference: b.perInference, macs: b.macs, instructionsPerMac: b.macs ? b.perInference / b.macs : null,
    outsideLayers: b.outsideLayers, markCost: b.markCost,
    layers: b.layers.map((l) => ({ ...l, instructionsPerMac: l.macs ? l.instructions / l.macs : null })),
    byKind: byKind(b),
    flash: b.sizes.flash, ram: b.sizes.ram, model: modelFootprint(b.sizes), harness: harnessFootprint(b.sizes), stackPeak: b.stackPeak, weightBytes: b.weightBytes, arenaBytes: b.arenaBytes,
    clock: clock === undefined ? null : timeAtClock(b.perInference, clock, b.target.name),
  };
}

/** Instructions per MAC summed over the layers of each kind that do MACs. */
function byKind(b: DeviceBench): Record<string, { macs: number; instructions: number; instructionsPerMac: number }> {
  const kinds: Record<string, { macs: number; instructions: number; instructionsPerMac: number }> = {};
  for (const l of b.layers.filter((x) => x.macs > 0)) {
    const k = (kinds[l.kind] ??= { macs: 0, instructions: 0, instructionsPerMac: 0 });
    k.macs += l.macs;
    k.instructions += l.instructions;
    k.instructionsPerMac = k.instructions / k.macs;
  }
  return kinds;
}

const count = (n: number) => formatCount(Math.round(n));
const perMac = (instructions: number, macs: number) => (macs > 0 ? (instructions / macs).toFixed(2) : '-');

function modelText(model: string, dense: DeviceBench, compressed: DeviceBench | undefined, plan: string | undefined, choice: ScheduleChoice, clock: number | undefined): string[] {
  const header = ['layer', 'kind', 'MACs', 'float32 instr', 'per MAC'];
  if (compressed) header.push('plan instr', 'per MAC', 'plan/float32');
  // The plan's steps by node: an int8 plan has steps of its own (quantizing the input, dequantizing the output).
  const planStep = new Map(compressed?.layers.map((c) => [c.node, c]));
  const rows = dense.layers.map((l) => {
    const row = [l.node, l.kind, count(l.macs), count(l.instructions), perMac(l.instructions, l.macs)];
    const c = planStep.get(l.node);
    if (compressed) row.push(...(c ? [count(c.instructions), perMac(c.instructions, c.macs), (c.instructions / l.instructions).toFixed(2)] : ['-', '-', '-']));
    return row;
  });
  const floatNodes = new Set(dense.layers.map((l) => l.node));
  for (const c of compressed?.layers.filter((x) => !floatNodes.has(x.node)) ?? []) rows.push([c.node, c.kind, count(c.macs), '-', '-', count(c.instructions), perMac(c.instructions, c.macs), '-']);
  const kinds = byKind(dense);
  const compressedKinds = compressed ? byKind(compressed) : undefined;
  const kindText = Object.entries(kinds).map(([kind, k]) => `${kind} ${k.instructionsPerMac.toFixed(2)}${compressedKinds?.[kind] ? ` -> ${compressedKinds[kind].instructionsPerMac.toFixed(2)}` : ''}`);
  const sizes = (b: DeviceBench) => {
    const m = modelFootprint(b.sizes);
    return `flash ${formatSize(b.sizes.flash)}, RAM ${formatSize(b.sizes.ram)} (the model alone: flash ${formatSize(m.flash)}, RAM ${formatSize(m.ram)}; stack peak ${formatSize(b.stackPeak)})`;
  };
  return [
    `ecgc bench: ${model} on ${dense.target.name} (qemu-system-arm -M ${dense.board.machine}, ${CROSS_GCC} ${dense.optimization}), mean of ${dense.windows} window${dense.windows > 1 ? 's' : ''}`,
    NOTE,
    scheduleLine(choice),
    '',
    table(header, rows),
    '',
    `per inference: float32 ${count(dense.perInference)} instructions, ${perMac(dense.perInference, dense.macs)} per MAC (${count(dense.macs)} MACs)` +
      (compressed ? `; plan ${count(compressed.perInference)}, ${perMac(compressed.perInference, compressed.macs)} per MAC (${(compressed.perInference / dense.perInference).toFixed(2)}x)` : ''),
    ...(clock === undefined ? [] : [`float32 ${clockLine(timeAtClock(dense.perInference, clock, dense.target.name))}`, ...(compressed ? [`plan ${clockLine(timeAtClock(compressed.perInference, clock, compressed.target.name))}`] : [])]),
    `instructions per MAC by layer kind${compressed ? ' (float32 -> plan)' : ''}: ${kindText.join('; ')}`,
    `outside the layers (call, prologue, output copy): ${count(dense.outsideLayers)} instructions`,
    `float32 build: ${sizes(dense)}`,
    ...breakdown(dense.sizes, dense.stackPeak).map((line) => `  ${line}`),
    ...(compressed ? [`plan build (${plan}): ${sizes(compressed)}`, ...breakdown(compressed.sizes, compressed.stackPeak).map((line) => `  ${line}`)] : []),
  ];
}

function sweepText(sweep: SparsitySweep, target: string, optimization: string): string[] {
  const { inChannels, outChannels, kernel, length } = sweep.shape;
  const rows = [...new Set(sweep.points.map((p) => p.sparsity))].map((sparsity) => {
    const at = (encoding: string) => sweep.points.find((p) => p.sparsity === sparsity && p.encoding === encoding)!;
    return [`${(at('dense').zeros * 100).toFixed(1)}%`, ...['dense', 'bitmap', 'delta'].flatMap((e) => [count(at(e).instructions), perMac(at(e).instructions, sweep.macs)]), ...['dense', 'bitmap', 'delta'].map((e) => formatCount(at(e).weightBytes))];
  });
  const lowest = Math.min(...sweep.points.map((p) => p.zeros));
  const percent = (x: number | null) => (x === null ? 'not reached in the sweep' : x === lowest ? `at or below ${(x * 100).toFixed(1)}% (sparse is already cheaper at the lowest sparsity swept)` : `${(x * 100).toFixed(1)}%`);
  return [
    `break-even sparsity: conv1d ${inChannels} -> ${outChannels} channels, kernel ${kernel}, length ${length} (${count(sweep.macs)} MACs), ${sweep.bits}-bit uniform weights, ${target} ${optimization}`,
    NOTE,
    `float32 dense build: ${count(sweep.float32)} instructions, ${perMac(sweep.float32, sweep.macs)} per MAC`,
    '',
    table(['sparsity', 'dense instr', 'per MAC', 'bitmap instr', 'per MAC', 'delta instr', 'per MAC', 'dense B', 'bitmap B', 'delta B'], rows),
    '',
    `break-even against dense ${sweep.bits}-bit: bitmap ${percent(sweep.breakEven.bitmap)}, delta ${percent(sweep.breakEven.delta)}`,
    `break-even against dense float32: bitmap ${percent(sweep.breakEvenFloat32.bitmap)}, delta ${percent(sweep.breakEvenFloat32.delta)}`,
  ];
}
