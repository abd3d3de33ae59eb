import { generate } from '../codegen/emit.js';
import type { Schedule } from '../codegen/lower.js';
import { MAX_STREAM_BLOCK, streamChains } from '../codegen/stream.js';
import type { LayerQuantization } from '../codegen/weights.js';
import { fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { defaultThreads } from '../ref/parallel.js';
import { formatSize } from '../toolchain/size.js';

/** --batch: 1 (a fixed batch read as one window per call), or absent. */
export function parseBatch(value: string | undefined): { batch?: 1 } {
  if (value === undefined) return {};
  if (value !== '1') fail(`--batch takes 1 (a model exported with a fixed batch, read as one window per call), got '${value}'`);
  return { batch: 1 };
}

/** --threads: a positive integer, by default up to 2 (the cores this kind of machine has). */
export function parseThreads(value: string | undefined): number {
  if (value === undefined) return defaultThreads();
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) fail(`--threads must be a positive integer, got '${value}'`);
  return threads;
}

export interface ScheduleChoice {
  schedule: Schedule;
  /** Depth first: output columns a packed stage computes per decoding of its weights (--stream-block; 1 layer by layer). */
  block: number;
  /** Why: the flag given, or what auto weighed. */
  reason: string;
  /** Arena + stack reserved of each schedule, when auto weighed both against --ram. */
  ram: Record<Schedule, number> | null;
}

/**
 * --schedule: layers (one kernel call per op: the fewest instructions), stream (Conv chains
 * depth first: the least RAM, more instructions) or auto (the default): layers, unless a --ram
 * budget is given that the layer schedule's arena and stack exceed, in which case stream.
 * `compile`, `verify` and `bench` all resolve it here, so bench measures what compile ships.
 */
export function resolveSchedule(
  value: string | undefined,
  graph: Graph,
  model: string,
  options: { quantization?: Map<string, LayerQuantization>; ram?: number; stackBytes: number; streamBlock?: string },
): ScheduleChoice {
  const block = parseStreamBlock(options.streamBlock);
  const blocked = block > 1 ? `, ${block} output columns of a packed layer per decoding of its weights (--stream-block ${block})` : '';
  if (value === 'layers') {
    if (block > 1) fail('--stream-block sets the depth-first schedule\'s blocks: it does not go with --schedule layers');
    return { schedule: value, block, reason: '--schedule layers', ram: null };
  }
  if (value === 'stream') {
    // a graph with no chain to stream runs layer by layer all the same
    const none = streamChains(graph).size === 0 ? ', but no chain of Conv layers in this graph runs depth first (float32 chains take 1-D Conv layers of batch 1; int8 chains take those of one group): every op runs layer by layer' : '';
    return { schedule: value, block, reason: `--schedule stream${blocked}${none}`, ram: null };
  }
  if (value !== undefined && value !== 'auto') fail(`--schedule must be auto, layers or stream, got '${value}'`);
  if (options.ram === undefined) return { schedule: 'layers', block, reason: 'auto: no --ram budget, so layer by layer (the fewest instructions)', ram: null };
  const ramOf = (schedule: Schedule) => generate(graph, model, { quantization: options.quantization, target: 'host', schedule, streamBlock: block }).memory.arenaBytes + options.stackBytes;
  const ram = { layers: ramOf('layers'), stream: ramOf('stream') };
  const layers = `the layer-by-layer arena and stack (${formatSize(ram.layers)})`;
  if (ram.layers <= options.ram) return { schedule: 'layers', block, reason: `auto: ${layers} fit --ram ${formatSize(options.ram)} (depth first would take ${formatSize(ram.stream)})`, ram };
  return { schedule: 'stream', block, reason: `auto: ${layers} exceed --ram ${formatSize(options.ram)}; depth first they take ${formatSize(ram.stream)}${blocked}, at the price of more instructions per inference (each layer reads its weights again for every block of time steps)`, ram };
}

/** --stream-block: 1 (the default) to MAX_STREAM_BLOCK. */
function parseStreamBlock(value: string | undefined): number {
  if (value === undefined) return 1;
  const block = Number(value);
  if (!Number.isInteger(block) || block < 1 || block > MAX_STREAM_BLOCK) fail(`--stream-block must be an integer from 1 to ${MAX_STREAM_BLOCK}, got '${value}'`);
  return block;
}

/** "schedule stream (auto: ...)", and what stream means. */
export function scheduleLine(choice: ScheduleChoice): string {
  return `schedule ${choice.schedule}${choice.schedule === 'stream' ? ' (Conv chains depth first, one time step at a time)' : ' (layer by layer)'}: ${choice.reason}`;
}
