import { generate } from '../codegen/emit.js';
import type { Schedule } from '../codegen/lower.js';
import type { LayerQuantization } from '../codegen/weights.js';
import { fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { defaultThreads } from '../ref/parallel.js';

/** --threads: a positive integer, by default up to 2 (the cores this kind of machine has). */
export function parseThreads(value: string | undefined): number {
  if (value === undefined) return defaultThreads();
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) fail(`--threads must be a positive integer, got '${value}'`);
  return threads;
}

/**
 * --schedule: layers (one kernel call per op), stream (Conv chains depth first: the least
 * RAM) or auto (the default): layers, unless a --ram budget is given that the layer
 * schedule's arena and stack exceed, in which case stream.
 */
export function resolveSchedule(value: string | undefined, graph: Graph, model: string, options: { quantization?: Map<string, LayerQuantization>; ram?: number; stackBytes: number }): Schedule {
  if (value === 'layers' || value === 'stream') return value;
  if (value !== undefined && value !== 'auto') fail(`--schedule must be auto, layers or stream, got '${value}'`);
  if (options.ram === undefined) return 'layers';
  const layers = generate(graph, model, { quantization: options.quantization, target: 'host' });
  return layers.memory.arenaBytes + options.stackBytes > options.ram ? 'stream' : 'layers';
}
