/** `ecgc inspect <model.onnx> [--json]` */
import { loadModel } from '../model/load.js';
import { summarize } from '../model/summary.js';
import { formatBytes, formatCount, table } from './format.js';
import { parseBatch } from './options.js';

export const INSPECT_SCHEMA = 'ecgc.inspect/1';

export function inspectCommand(model: string, options: { json?: boolean; batch?: string }): void {
  const summary = summarize(loadModel(model, parseBatch(options.batch)));
  if (options.json) {
    process.stdout.write(JSON.stringify({ schema: INSPECT_SCHEMA, model, ...summary }, null, 2) + '\n');
    return;
  }
  const shape = (s: number[]) => `[${s.join(',')}]`;
  const lines = [
    `${model}: opset ${summary.opset}; shapes are per run of the graph, which takes ${summary.batch === 1 ? 'one window' : `${summary.batch} windows`} (its batch)`,
    ...summary.inputs.map((i) => `input  '${i.name}' ${shape(i.shape)}`),
    ...summary.outputs.map((o) => `output '${o.name}' ${shape(o.shape)}`),
    '',
    table(
      ['#', 'node', 'op', 'input', 'output', 'params', 'MACs'],
      summary.nodes.map((n, i) => [String(i), n.name, n.op, n.inputShapes.map(shape).join(' '), n.outputShapes.map(shape).join(' '), formatCount(n.params), formatCount(n.macs)]),
    ),
    '',
    `total: ${summary.totals.nodes} nodes, ${formatCount(summary.totals.params)} parameters (${formatBytes(summary.totals.weightBytesFloat32)} as float32), ${formatCount(summary.totals.macs)} MACs per run${summary.batch === 1 ? '' : ` (${formatCount(summary.totals.macs / summary.batch)} per window)`}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
