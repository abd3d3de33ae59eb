/** `ecgc compile <model.onnx> --target host --out <dir>` and `ecgc verify <model.onnx> --target host` */
import { benchOnDevice } from '../bench/device.js';
import { EXIT_MISMATCH, EcgcError, fail } from '../errors.js';
import { type Generated, checkGeneratedOutput, generate, writeGenerated } from '../codegen/emit.js';
import type { Schedule } from '../codegen/lower.js';
import { checkPredictedBytes, loadPlan } from '../codegen/plan.js';
import { verifyHost } from '../codegen/verify.js';
import type { LayerQuantization } from '../codegen/weights.js';
import { readModelInputs, syntheticModelInputs } from '../data/model-inputs.js';
import type { Graph } from '../ir/graph.js';
import { shapeText, windowsPerRun } from '../ir/graph.js';
import { loadModel } from '../model/load.js';
import { summarize } from '../model/summary.js';
import { type CompileReport, compileMarkdown, imageJson, layerRows, scheduleJson } from '../report/build.js';
import { installed } from '../toolchain/host.js';
import { QEMU } from '../toolchain/qemu.js';
import { cortexTarget } from '../toolchain/targets.js';
import { checkOutputFile, writeFileAtomic } from '../util/files.js';
import { clockLine, parseClock, timeAtClock } from './clock.js';
import { deviceExplain } from './explain.js';
import { type DeviceFlags, type DeviceOptions, compileDeviceLines, compileOnDevice, isCortex, parseDeviceFlags, verifyDeviceLines, verifyOnDevice } from './device.js';
import { formatBytes, formatCount, table } from './format.js';
import { type ScheduleChoice, parseBatch, resolveSchedule, scheduleLine } from './options.js';

export const TARGETS = ['host', 'cortex-m0', 'cortex-m3', 'cortex-m4f', 'cortex-m7', 'cortex-m33', 'cortex-m55'];

function checkTarget(target: string): void {
  if (!TARGETS.includes(target)) fail(`unknown target '${target}'; targets: ${TARGETS.join(', ')}`);
}

function layerTable(layers: ReturnType<typeof generate>['layers']): string {
  return table(
    ['layer', 'op', 'encoding', 'weights B', 'scales B', 'bias B', 'total B'],
    layers.map((l) => [l.node, l.op, l.size.encoding, formatCount(l.size.indexBytes + l.size.codeBytes), formatCount(l.size.scaleBytes + l.size.levelBytes), formatCount(l.size.biasBytes), formatCount(l.size.total)]),
  );
}

export interface CompileFlags extends DeviceFlags {
  target: string;
  out: string;
  force?: boolean;
  name?: string;
  plan?: string;
  schedule?: string;
  streamBlock?: string;
  batch?: string;
  json?: boolean;
  report?: string;
  measure?: boolean;
  clock?: string;
  explain?: boolean;
}

/** --report: a .json or .md file, or any other name for both (<name>.json and <name>.md). */
function reportFiles(report: string): { json?: string; markdown?: string } {
  if (report.endsWith('.json')) return { json: report };
  if (report.endsWith('.md')) return { markdown: report };
  return { json: `${report}.json`, markdown: `${report}.md` };
}

export async function compileCommand(model: string, options: CompileFlags): Promise<void> {
  checkTarget(options.target);
  const device = parseDeviceFlags(options);
  const clock = options.clock === undefined ? undefined : parseClock(options.clock);
  const measure = options.measure === true || clock !== undefined;
  if (measure && !isCortex(options.target)) fail(`${options.measure ? '--measure' : '--clock'}: only for Cortex-M targets (instructions counted under QEMU), not --target ${options.target}`);
  const reports = options.report === undefined ? {} : reportFiles(options.report);
  for (const file of [reports.json, reports.markdown]) if (file !== undefined) checkOutputFile(file, options.force ?? false);
  const loaded = loadModel(model, parseBatch(options.batch));
  const planned = options.plan ? loadPlan(options.plan, model, loaded) : undefined;
  const graph = planned?.graph ?? loaded;
  const choice = resolveSchedule(options.schedule, graph, model, { quantization: planned?.quantization, ram: device.budget.ram, stackBytes: device.stackBytes, streamBlock: options.streamBlock });
  const { schedule } = choice;
  const explain = deviceExplain(options.explain, loaded, planned?.plan);
  const generated = generate(graph, model, { name: options.name, target: options.target, quantization: planned?.quantization, schedule, streamBlock: choice.block, explain });
  if (planned) checkPredictedBytes(planned.plan, generated.layers);
  checkGeneratedOutput(options.out, generated.files, options.force ?? false);
  // Cortex-M: the budget is checked (estimate, then the linked image) before anything is written.
  const linked = isCortex(options.target) ? await compileOnDevice(generated, options.target, device) : undefined;
  // auto traded instructions for RAM: that price is measured unasked wherever QEMU can count it.
  const priced = !measure && choice.schedule === 'stream' && choice.ram !== null && linked !== undefined && linked.skipped === undefined && (await installed(QEMU)) && (await installed('gcc'));
  const measured = measure || priced ? await measureOnDevice(graph, model, generated, options, device, choice, planned?.quantization, clock) : null;
  writeGenerated(options.out, generated.files, options.force ?? false);
  const m = generated.memory;
  const report: CompileReport = {
    schema: 'ecgc.compile/1',
    model, plan: options.plan ?? null, target: options.target, name: generated.name, out: options.out, files: [...generated.files.keys()],
    schedule: scheduleJson(choice),
    weightBytes: generated.weightBytes,
    arena: { bytes: m.arenaBytes, lowerBound: m.lowerBound, scratchBytes: m.scratchBytes },
    macs: summarize(graph).totals.macs,
    layers: layerRows(graph, generated),
    budget: { flash: device.budget.flash ?? null, ram: device.budget.ram ?? null, stack: linked ? device.stackBytes : null },
    device: linked
      ? { target: linked.target.name, estimate: { weightBytes: linked.estimate.weightBytes, arenaBytes: linked.estimate.arenaBytes, stackBytes: linked.estimate.stackBytes }, images: linked.images.map(imageJson), skipped: linked.skipped ?? null }
      : null,
    measured,
  };
  if (reports.json) writeFileAtomic(reports.json, `${JSON.stringify(report, null, 2)}\n`);
  if (reports.markdown) writeFileAtomic(reports.markdown, compileMarkdown(report));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      layerTable(generated.layers),
      '',
      `wrote ${options.out}: ${[...generated.files.keys()].join(', ')}`,
      `weights ${formatBytes(generated.weightBytes)} (const, flash); arena ${formatBytes(m.arenaBytes)} (lower bound ${formatBytes(m.lowerBound)}, largest scratch ${formatBytes(m.scratchBytes)})`,
      scheduleLine(choice),
      `API: ${generated.api.run}${generated.pushApi ? `, or a column at a time: ${generated.name}_begin(), ${generated.name}_push(column), ${generated.api.end}` : ''}; each also as *_arena(void *arena, ...) on a buffer of yours (${generated.name.toUpperCase()}_ARENA_BYTES, aligned to 8; build with -D${generated.name.toUpperCase()}_CALLER_ARENA to drop the static one); build flags in ecgc.mk (-ffp-contract=off, never -ffast-math; the runtime once for all models: ECGC_RUNTIME_SOURCES)`,
      ...(linked ? compileDeviceLines(linked, device.budget) : []),
      ...(measured ? measuredLines(measured, schedule) : linked ? [`instructions per inference: not measured (--measure${choice.schedule === 'stream' && choice.ram !== null ? `; needs ${QEMU}` : ''}, or ecgc bench with the same flags)`] : []),
      ...[reports.json, reports.markdown].filter((f) => f !== undefined).map((f) => `report: ${f}`),
    ].join('\n') + '\n',
  );
}

/**
 * --measure: instructions per inference of the build compile ships, under QEMU at the first
 * --opt level on one synthetic window; when auto weighed both schedules, the other's too, so
 * the price of the choice is printed.
 */
async function measureOnDevice(
  graph: Graph, model: string, generated: Generated, options: CompileFlags, device: DeviceOptions, choice: ScheduleChoice,
  quantization: Map<string, LayerQuantization> | undefined, clock: number | undefined,
): Promise<NonNullable<CompileReport['measured']>> {
  const target = cortexTarget(options.target)!;
  // one inference: one run of the graph's batch of windows
  const batch = windowsPerRun(graph);
  const windows = syntheticModelInputs(graph, model, batch).x;
  const settings = { name: options.name, quantization, optimization: device.optimizations?.[0] ?? '-O2', stackBytes: device.stackBytes, timeoutSeconds: device.timeoutSeconds };
  const bench = await benchOnDevice(graph, model, target, windows, batch, { ...settings, schedule: choice.schedule, streamBlock: choice.block, generated });
  const other: Schedule = choice.schedule === 'layers' ? 'stream' : 'layers';
  const otherBench = choice.ram ? await benchOnDevice(graph, model, target, windows, batch, { ...settings, schedule: other, streamBlock: choice.block, perInference: false }) : undefined;
  return {
    optimization: bench.optimization, board: bench.board.machine, windows: bench.windows,
    instructionsPerInference: bench.perInference, instructionsPerMac: bench.macs ? bench.perInference / bench.macs : null,
    layers: bench.layers.map((l) => ({ node: l.node, op: l.op, kind: l.kind, macs: l.macs, instructions: l.instructions })),
    otherSchedule: otherBench ? { name: other, instructionsPerInference: otherBench.perInference } : null,
    clock: clock === undefined ? null : timeAtClock(bench.perInference, clock, target.name),
  };
}

function measuredLines(m: NonNullable<CompileReport['measured']>, schedule: Schedule): string[] {
  const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;
  return [
    `measured (${m.optimization}, qemu-system-arm -M ${m.board}; instructions, not cycles): ${formatCount(Math.round(m.instructionsPerInference))} instructions per inference (${millions(m.instructionsPerInference)}), schedule ${schedule}` +
      (m.otherSchedule ? `; the ${m.otherSchedule.name} schedule would take ${millions(m.otherSchedule.instructionsPerInference)} (this one costs ${(m.instructionsPerInference / m.otherSchedule.instructionsPerInference).toFixed(2)}x that)` : ''),
    ...(m.clock ? [clockLine(m.clock)] : []),
  ];
}

export async function verifyCommand(model: string, options: { target: string; input?: string; count?: string; name?: string; plan?: string; schedule?: string; streamBlock?: string; batch?: string; json?: boolean; explain?: boolean } & DeviceFlags): Promise<void> {
  checkTarget(options.target);
  const device = parseDeviceFlags(options);
  const loaded = loadModel(model, parseBatch(options.batch));
  const planned = options.plan ? loadPlan(options.plan, model, loaded) : undefined;
  const graph = planned?.graph ?? loaded;
  const choice = resolveSchedule(options.schedule, graph, model, { quantization: planned?.quantization, ram: device.budget.ram, stackBytes: device.stackBytes, streamBlock: options.streamBlock });
  const { schedule, block: streamBlock } = choice;
  const explain = deviceExplain(options.explain, loaded, planned?.plan);
  const { inputs, count, description } = verificationInputs(graph, model, options);
  const outputShape = graph.values.get(graph.outputs[0])!.shape.slice(1);
  const base = { schema: 'ecgc.verify/1', model, plan: options.plan ?? null, target: options.target, schedule: scheduleJson(choice), inputs: { count, description }, outputShape, bitExact: true };
  const arena = (m: Generated['memory']) => ({ bytes: m.arenaBytes, lowerBound: m.lowerBound, scratchBytes: m.scratchBytes });
  if (isCortex(options.target)) {
    const verified = await verifyOnDevice(graph, model, { inputs, count }, options.target, { ...device, name: options.name, quantization: planned?.quantization, schedule, streamBlock, explain });
    if (planned) checkPredictedBytes(planned.plan, verified.generated.layers);
    const report = {
      ...base, optimizations: verified.optimizations, weightBytes: verified.generated.weightBytes, arena: arena(verified.generated.memory),
      budget: { flash: device.budget.flash ?? null, ram: device.budget.ram ?? null, stack: device.stackBytes },
      device: { target: verified.target.name, estimate: { weightBytes: verified.estimate.weightBytes, arenaBytes: verified.estimate.arenaBytes, stackBytes: verified.estimate.stackBytes }, images: verified.images.map(imageJson) },
      compileSeconds: verified.compileSeconds,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : [...verifyDeviceLines(verified, { count, description }, outputShape, device.budget), scheduleLine(choice)].join('\n') + '\n');
    return;
  }
  const result = await verifyHost(graph, model, inputs, count, { name: options.name, quantization: planned?.quantization, schedule, streamBlock, explain });
  if (planned) checkPredictedBytes(planned.plan, result.generated.layers);
  const m = result.generated.memory;
  if (result.mismatch) {
    const { optimization, sample, place, expected, actual } = result.mismatch;
    throw new EcgcError(`verification failed: the C built with gcc ${optimization} differs from the reference at sample ${sample}, ${place}: expected ${expected}, got ${actual}`, EXIT_MISMATCH);
  }
  const report = { ...base, optimizations: result.optimizations, weightBytes: result.generated.weightBytes, arena: arena(m), budget: null, device: null, compileSeconds: result.compileSeconds };
  process.stdout.write(
    options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : [
          `bit-exact: ${count} inputs (${description}) x ${shapeText(outputShape)} outputs${explain ? ` and ${explain.positions} explain map values` : ''}, gcc ${result.optimizations.join(' ')}: every float32 equal to the reference's`,
          `weights ${formatBytes(result.generated.weightBytes)}; arena ${formatBytes(m.arenaBytes)} (lower bound ${formatBytes(m.lowerBound)}); compile time ${result.compileSeconds.toFixed(2)} s`,
          scheduleLine(choice),
        ].join('\n') + '\n',
  );
}

function verificationInputs(graph: Graph, model: string, options: { input?: string; count?: string }) {
  if (options.input) {
    const { x, count } = readModelInputs(graph, model, options.input);
    return { inputs: x, count, description: options.input };
  }
  const count = options.count === undefined ? 16 : Number(options.count);
  if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer, got '${options.count}'`);
  return { inputs: syntheticModelInputs(graph, model, count).x, count, description: graph.inputs.length > 1 ? 'synthetic ECG windows, seeded further inputs' : 'synthetic ECG windows' };
}
