/**
 * What `ecgc compile` reports about a build, as JSON (schema ecgc.compile/1, documented in
 * docs/json.md) and as Markdown (--report): per layer flash / RAM / MACs, the schedule and why,
 * the budgets, the linked image's model and harness parts, and, when measured, instructions
 * per inference (per layer) and their time at --clock (a lower bound). The JSON pieces for
 * images and schedules are shared with verify's and bench's --json.
 */
import { formatCount } from '../cli/format.js';
import type { Generated } from '../codegen/emit.js';
import type { Graph } from '../ir/graph.js';
import { summarize } from '../model/summary.js';
import { type ImageSizes, harnessFootprint, modelFootprint } from '../toolchain/size.js';
import { mdTable } from './markdown.js';

export interface ImageInput {
  optimization: string;
  board: { machine: string };
  sizes: ImageSizes;
  stackPeak?: number;
}

export function imageJson(image: ImageInput) {
  const { sizes } = image;
  return {
    optimization: image.optimization, board: image.board.machine,
    flash: sizes.flash, ram: sizes.ram, text: sizes.text, data: sizes.data, bss: sizes.bss,
    model: modelFootprint(sizes), harness: harnessFootprint(sizes),
    stackPeak: image.stackPeak ?? null,
    parts: sizes.parts.map((p) => ({ group: p.group, kind: p.kind, bytes: p.bytes })),
  };
}

export function scheduleJson(choice: { schedule: string; block: number; reason: string; ram: Record<string, number> | null }) {
  return { name: choice.schedule, block: choice.block, reason: choice.reason, ram: choice.ram };
}

export interface LayerRow {
  node: string;
  op: string;
  macs: number;
  params: number;
  /** How the weights are stored (null: the node has none in flash). */
  encoding: string | null;
  /** Flash: encoded weights, scales or levels, bias. */
  weightBytes: number;
  /** RAM: the node's output buffer in the arena (0 when it shares its input's or is never stored whole, depth first). */
  activationBytes: number;
}

/** Every node of the graph: MACs and parameters, its weights' bytes, its output buffer's bytes. */
export function layerRows(graph: Graph, generated: Generated): LayerRow[] {
  const weights = new Map(generated.layers.map((l) => [l.node, l.size]));
  const buffers = new Map(generated.memory.placements.map((p) => [p.name, p.bytes]));
  const outputs = new Map(graph.nodes.map((n) => [n.name, n.outputs[0]]));
  return summarize(graph).nodes.map((n) => {
    const size = weights.get(n.name);
    return { node: n.name, op: n.op, macs: n.macs, params: n.params, encoding: size?.encoding ?? null, weightBytes: size?.total ?? 0, activationBytes: buffers.get(outputs.get(n.name)!) ?? 0 };
  });
}

export interface CompileReport {
  schema: 'ecgc.compile/1';
  model: string;
  plan: string | null;
  target: string;
  name: string;
  out: string;
  files: string[];
  schedule: ReturnType<typeof scheduleJson>;
  weightBytes: number;
  arena: { bytes: number; lowerBound: number; scratchBytes: number };
  macs: number;
  layers: LayerRow[];
  budget: { flash: number | null; ram: number | null; stack: number | null };
  device: {
    target: string;
    estimate: { weightBytes: number; arenaBytes: number; stackBytes: number };
    images: ReturnType<typeof imageJson>[];
    skipped: string | null;
  } | null;
  measured: {
    optimization: string;
    board: string;
    windows: number;
    instructionsPerInference: number;
    instructionsPerMac: number | null;
    layers: { node: string; op: string; kind: string; macs: number; instructions: number }[];
    /** When auto weighed both schedules: the other one's instructions per inference. */
    otherSchedule: { name: string; instructionsPerInference: number } | null;
    clock: { hz: number; issueWidth: number; secondsLowerBound: number; note: string } | null;
  } | null;
}

const count = (n: number) => formatCount(Math.round(n));
/** A Markdown table whose numbers are counts. */
const tableOf = (header: string[], rows: (string | number)[][]) => mdTable(header, rows.map((r) => r.map((c) => (typeof c === 'number' ? count(c) : c))));

export function compileMarkdown(r: CompileReport): string {
  const budget = (bytes: number | null) => (bytes === null ? 'none' : `${count(bytes)} B`);
  const lines = [
    `# ecgc compile: ${r.model} for ${r.target}`,
    '',
    `- C prefix \`${r.name}\`, written to \`${r.out}\`${r.plan ? `, plan \`${r.plan}\`` : ', float32 weights'}`,
    `- schedule **${r.schedule.name}**: ${r.schedule.reason}`,
    ...(r.schedule.ram ? [`- RAM of each schedule (arena + stack reserved): layers ${count(r.schedule.ram.layers)} B, stream ${count(r.schedule.ram.stream)} B`] : []),
    `- weights ${count(r.weightBytes)} B (flash); arena ${count(r.arena.bytes)} B (lower bound ${count(r.arena.lowerBound)} B, largest scratch ${count(r.arena.scratchBytes)} B); ${count(r.macs)} MACs per inference`,
    `- budgets (they count the model, not ecgc's harness): flash ${budget(r.budget.flash)}, RAM ${budget(r.budget.ram)}${r.budget.stack === null ? '' : `, stack reserved ${count(r.budget.stack)} B`}`,
    '',
    '## Per layer',
    '',
    tableOf(['layer', 'op', 'MACs', 'params', 'encoding', 'flash B', 'activation RAM B'], r.layers.map((l) => [l.node, l.op, l.macs, l.params, l.encoding ?? '-', l.weightBytes, l.activationBytes])),
  ];
  if (r.device) {
    lines.push('', `## Linked image (${r.device.target})`, '');
    if (r.device.skipped) lines.push(`Skipped: ${r.device.skipped}.`);
    for (const image of r.device.images) {
      lines.push(
        `### ${image.optimization} (${image.board} memory map)`,
        '',
        tableOf(['', 'flash B', 'RAM B'], [
          ['the model (counted in budgets)', image.model.flash, image.model.ram],
          ["ecgc's harness (start-up, semihosting, test I/O)", image.harness.flash, image.harness.ram],
          ['image', image.flash, image.ram],
        ]),
        '',
        tableOf(['part', 'kind', 'bytes'], image.parts.map((p) => [p.group, p.kind, p.bytes])),
        '',
      );
    }
  }
  if (r.measured) {
    const m = r.measured;
    lines.push(
      '',
      '## Measured: executed instructions (QEMU counts instructions, not cycles)',
      '',
      `- ${count(m.instructionsPerInference)} instructions per inference${m.instructionsPerMac === null ? '' : ` (${m.instructionsPerMac.toFixed(2)} per MAC)`}, ${m.optimization} on ${m.board}, mean of ${m.windows} window(s)`,
      ...(m.otherSchedule ? [`- the ${m.otherSchedule.name} schedule would take ${count(m.otherSchedule.instructionsPerInference)} (${(m.otherSchedule.instructionsPerInference / m.instructionsPerInference).toFixed(2)}x)`] : []),
      ...(m.clock ? [`- at ${formatCount(m.clock.hz)} Hz: at least ${(m.clock.secondsLowerBound * 1e3).toFixed(3)} ms per inference (${m.clock.note})`] : []),
      '',
      tableOf(['layer', 'kind', 'MACs', 'instructions', 'per MAC'], m.layers.map((l) => [l.node, l.kind, l.macs, l.instructions, l.macs > 0 ? (l.instructions / l.macs).toFixed(2) : '-'])),
    );
  }
  return `${lines.join('\n')}\n`;
}
