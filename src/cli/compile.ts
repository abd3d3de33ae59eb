/** `ecgc compile <model.onnx> --target host --out <dir>` and `ecgc verify <model.onnx> --target host` */
import { EXIT_MISMATCH, EcgcError, fail } from '../errors.js';
import { generate, writeGenerated } from '../codegen/emit.js';
import { checkPredictedBytes, loadPlan } from '../codegen/plan.js';
import { verifyHost } from '../codegen/verify.js';
import { modelData } from '../data/model-data.js';
import { syntheticWindows } from '../data/synthetic-windows.js';
import type { Graph } from '../ir/graph.js';
import { shapeText } from '../ir/graph.js';
import { loadModel } from '../ir/load.js';
import { readNpyFloat32 } from '../util/npy.js';
import { type DeviceFlags, compileOnDevice, isCortex, parseDeviceFlags, verifyOnDevice } from './device.js';
import { formatBytes, formatCount, table } from './format.js';
import { resolveSchedule } from './options.js';

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

export async function compileCommand(model: string, options: { target: string; out: string; force?: boolean; name?: string; plan?: string; schedule?: string } & DeviceFlags): Promise<void> {
  checkTarget(options.target);
  const device = parseDeviceFlags(options);
  const graph = loadModel(model);
  const planned = options.plan ? loadPlan(options.plan, model, graph) : undefined;
  const schedule = resolveSchedule(options.schedule, graph, model, { quantization: planned?.quantization, ram: device.budget.ram, stackBytes: device.stackBytes });
  const generated = generate(graph, model, { name: options.name, target: options.target, quantization: planned?.quantization, schedule });
  if (planned) checkPredictedBytes(planned.plan, generated.layers);
  // Cortex-M: the budget is checked (estimate, then the linked image) before anything is written.
  const deviceLines = isCortex(options.target) ? await compileOnDevice(generated, options.target, device) : [];
  writeGenerated(options.out, generated.files, options.force ?? false);
  const m = generated.memory;
  process.stdout.write(
    [
      layerTable(generated.layers),
      '',
      `wrote ${options.out}: ${[...generated.files.keys()].join(', ')}`,
      `weights ${formatBytes(generated.weightBytes)} (const, flash); arena ${formatBytes(m.arenaBytes)} (lower bound ${formatBytes(m.lowerBound)}, largest scratch ${formatBytes(m.scratchBytes)}); schedule ${schedule}`,
      `API: int ${generated.name}_run(const float *input, float *output)${generated.pushApi ? `, or a column at a time: ${generated.name}_begin(), ${generated.name}_push(column), ${generated.name}_end(output)` : ''}; build flags in ecgc.mk (-ffp-contract=off, never -ffast-math)`,
      ...deviceLines,
    ].join('\n') + '\n',
  );
}

export async function verifyCommand(model: string, options: { target: string; input?: string; count?: string; name?: string; plan?: string; schedule?: string } & DeviceFlags): Promise<void> {
  checkTarget(options.target);
  const device = parseDeviceFlags(options);
  const graph = loadModel(model);
  const planned = options.plan ? loadPlan(options.plan, model, graph) : undefined;
  const schedule = resolveSchedule(options.schedule, graph, model, { quantization: planned?.quantization, ram: device.budget.ram, stackBytes: device.stackBytes });
  const { inputs, count, description } = verificationInputs(graph, model, options);
  if (isCortex(options.target)) {
    const generated = await verifyOnDevice(graph, model, { inputs, count, description }, options.target, { ...device, name: options.name, quantization: planned?.quantization, schedule });
    if (planned) checkPredictedBytes(planned.plan, generated.layers);
    process.stdout.write(`schedule ${schedule}${schedule === 'stream' ? ': Conv chains depth first, one time step at a time' : ''}\n`);
    return;
  }
  const result = await verifyHost(graph, model, inputs, count, { name: options.name, quantization: planned?.quantization, schedule });
  if (planned) checkPredictedBytes(planned.plan, result.generated.layers);
  const m = result.generated.memory;
  const outputShape = graph.values.get(graph.outputs[0])!.shape;
  if (result.mismatch) {
    const { optimization, sample, index, expected, actual } = result.mismatch;
    throw new EcgcError(`verification failed: the C built with gcc ${optimization} differs from the reference at sample ${sample}, output ${index}: expected ${expected}, got ${actual}`, EXIT_MISMATCH);
  }
  process.stdout.write(
    [
      `bit-exact: ${count} inputs (${description}) x ${shapeText(outputShape.slice(1))} outputs, gcc ${result.optimizations.join(' ')}: every float32 equal to the reference's`,
      `weights ${formatBytes(result.generated.weightBytes)}; arena ${formatBytes(m.arenaBytes)} (lower bound ${formatBytes(m.lowerBound)}); schedule ${schedule}; compile time ${result.compileSeconds.toFixed(2)} s`,
    ].join('\n') + '\n',
  );
}

function verificationInputs(graph: Graph, model: string, options: { input?: string; count?: string }) {
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  if (options.input) {
    const x = readNpyFloat32(options.input);
    const matches = x.shape.slice(1).join() === sample.join();
    if (!matches) fail(`${options.input}: has shape ${shapeText(x.shape)}, but ${model} takes [N, ${sample.join(', ')}]`);
    return { inputs: x.data, count: x.shape[0], description: options.input };
  }
  const count = options.count === undefined ? 16 : Number(options.count);
  if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer, got '${options.count}'`);
  const windows = syntheticWindows(sample, modelData(graph, model), count);
  return { inputs: windows.x, count, description: 'synthetic ECG windows' };
}
